import { timingSafeEqual } from "node:crypto";
import type { Principal } from "../domain/principal.js";
import type { ReadQueue } from "../feed/read-queue.js";
import type { ApiKeyRecord } from "../store/api-key-store.js";
import { hashSecret, parseApiKey } from "./api-key-format.js";

export interface ApiKeyVerifierOptions {
  /** Looks a key up by id. */
  find: (id: string) => Promise<ApiKeyRecord | null>;
  /** Records that a key was used (best effort). */
  touch: (id: string) => Promise<void>;
  /** How long a verified key is trusted without a lookup; revocation takes at most this long. */
  cacheTtlMs: number;
  /**
   * Runs the lookups of keys not in the cache: a few at a time, the same id once,
   * refusing (Unavailable) when too many wait. A flood of made-up keys then
   * costs a bounded share of the database, not the whole pool.
   */
  lookups?: ReadQueue;
  now?: () => number;
}

/**
 * Verifies API keys against their stored hashes. Verified keys are cached
 * briefly by their full hash so a busy service does not query Postgres on
 * every call.
 */
export function createApiKeyVerifier(options: ApiKeyVerifierOptions) {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { principal: Principal; until: number }>();

  return async function verifyApiKey(key: string): Promise<Principal | null> {
    const parsed = parseApiKey(key);
    if (parsed === null) return null;
    const hash = hashSecret(parsed.secret);
    const cacheKey = `${parsed.id}:${hash.toString("base64")}`;
    const cached = cache.get(cacheKey);
    if (cached !== undefined && cached.until > now()) return cached.principal;
    cache.delete(cacheKey);

    const lookups = options.lookups;
    const record =
      lookups === undefined
        ? await options.find(parsed.id)
        : await lookups.read(`key:${parsed.id}`, () => options.find(parsed.id), { shed: true });
    if (record === null || record.revokedAt !== null) return null;
    if (record.secretHash.length !== hash.length || !timingSafeEqual(record.secretHash, hash)) return null;

    const principal: Principal = {
      kind: "api_key",
      tenantId: record.tenantId,
      keyId: record.id,
      name: record.name,
      scopes: record.scopes,
    };
    if (options.cacheTtlMs > 0) {
      if (cache.size > 10_000) cache.clear(); // bounded: a flood of distinct keys cannot grow it
      cache.set(cacheKey, { principal, until: now() + options.cacheTtlMs });
    }
    options.touch(record.id).catch(() => undefined); // last-used is informational
    return principal;
  };
}
