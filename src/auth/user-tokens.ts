import { webcrypto } from "node:crypto";
import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify, SignJWT } from "jose";
import { UnavailableError } from "../domain/errors.js";
import { defaultTenant, isTenantId } from "../domain/tenant.js";

export interface UserTokenOptions {
  /** HS256 shared secret. */
  secret: string | null;
  /** JWKS URL for asymmetric tokens (RS256, ES256, EdDSA...). */
  jwksUrl: string | null;
  /** Required issuer, if any. */
  issuer: string | null;
  /** Required audience, if any. */
  audience: string | null;
  /** Longest lifetime a token may have: `exp - iat`, or `exp - now` without `iat`. */
  maxTtlMs: number;
  /** Whether the tenant's user's tokens issued at `issuedAtSeconds` were revoked since. */
  isRevoked: (tenantId: string, userId: string, issuedAtSeconds: number) => boolean;
  /** Whether the tenant exists (a token of a deleted or unknown tenant is refused). */
  tenantExists: (tenantId: string) => boolean;
}

/** A verified token's tenant and user, or why the token is refused (for the caller). */
export type UserTokenResult = { tenantId: string; userId: string } | { refused: string };

// Clocks of the token issuer and of Herald may differ this much.
const clockToleranceSeconds = 60;

/**
 * Verifies end-user tokens: JWTs whose `sub` is the user id and which carry an
 * `exp`; the optional `tenant` claim names the user's tenant (the default
 * tenant without it). HS256 tokens are checked with the shared secret; others with the JWKS.
 * A token that lives longer than the maximum lifetime, or that was issued
 * before its user's tokens were revoked, is refused. A JWKS that cannot be
 * fetched is UnavailableError (the caller may retry), not a refusal.
 */
export function createUserTokenVerifier(options: UserTokenOptions) {
  // Imported once: given the raw bytes, jose imports them through WebCrypto on
  // every token (a Node KeyObject too: jose exports and re-imports it), which
  // was 10% of the CPU while users opened their streams.
  const secret = options.secret === null ? null : hmacVerifyKey(options.secret);
  const jwks = options.jwksUrl === null ? null : keySetOrUnavailable(createRemoteJWKSet(new URL(options.jwksUrl)));
  const verifyOptions = {
    requiredClaims: ["sub", "exp"],
    ...(options.issuer !== null && { issuer: options.issuer }),
    ...(options.audience !== null && { audience: options.audience }),
  };
  const maxTtlSeconds = options.maxTtlMs / 1000;
  const invalid = { refused: "the user token is invalid or expired" };

  // A browser sends the same token with every call (a List, a Subscribe, each
  // MarkRead), and checking a signature costs more than the rest of a List. A
  // token that verified is remembered until it expires (at most a minute, so a
  // JWKS key rotation or a changed secret takes effect soon), bounded in number.
  // Revocation is checked on every call, remembered or not.
  const verified = new Map<string, { tenantId: string; userId: string; issuedAt: number; until: number }>();
  const remember = (token: string, tenantId: string, userId: string, issuedAt: number, exp: number) => {
    if (verified.size >= 10_000) verified.clear();
    verified.set(token, { tenantId, userId, issuedAt, until: Math.min(Date.now() + 60_000, exp * 1000) });
  };
  // Revocation and the tenant's existence are checked on every call.
  const refusedNow = (tenantId: string, userId: string, issuedAt: number): UserTokenResult | null => {
    if (!options.tenantExists(tenantId)) return { refused: `the user token's tenant "${tenantId}" does not exist` };
    return options.isRevoked(tenantId, userId, issuedAt) ? { refused: "the user token was revoked" } : null;
  };

  return async function verifyUserToken(token: string): Promise<UserTokenResult> {
    const known = verified.get(token);
    if (known !== undefined) {
      if (known.until > Date.now()) {
        return (
          refusedNow(known.tenantId, known.userId, known.issuedAt) ?? { tenantId: known.tenantId, userId: known.userId }
        );
      }
      verified.delete(token);
    }
    let alg: string | undefined;
    try {
      ({ alg } = JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString()) as { alg?: string });
    } catch {
      return invalid;
    }
    let payload: { sub?: string; exp?: number; iat?: number; tenant?: unknown };
    try {
      if (alg === "HS256") {
        if (secret === null) return invalid;
        ({ payload } = await jwtVerify(token, await secret(), { ...verifyOptions, algorithms: ["HS256"] }));
      } else {
        if (jwks === null) return invalid;
        ({ payload } = await jwtVerify(token, jwks, verifyOptions));
      }
    } catch (error) {
      if (error instanceof UnavailableError) throw error;
      return invalid;
    }
    const sub = payload.sub ?? "";
    const exp = payload.exp as number; // required above
    if (!/^[!-~]{1,128}$/.test(sub)) return invalid;
    const tenantId = payload.tenant ?? defaultTenant;
    if (typeof tenantId !== "string" || !isTenantId(tenantId)) {
      return { refused: "the user token's `tenant` claim is not a tenant id ([a-z0-9][a-z0-9-]{0,62})" };
    }
    // An `iat` in the future counts as now, so it cannot stretch the lifetime.
    const now = Date.now() / 1000;
    const lifetime = exp - Math.min(payload.iat ?? now, now);
    if (lifetime > maxTtlSeconds + clockToleranceSeconds) {
      return { refused: `the user token lives longer than the maximum of ${formatSeconds(maxTtlSeconds)} (exp - iat)` };
    }
    // Without `iat`, the token may be as old as the longest lifetime allows.
    const issuedAt = payload.iat ?? exp - maxTtlSeconds;
    const refusal = refusedNow(tenantId, sub, issuedAt);
    if (refusal !== null) return refusal;
    remember(token, tenantId, sub, issuedAt, exp);
    return { tenantId, userId: sub };
  };
}

/**
 * The JWKS key lookup, with failures to fetch the key set (network, timeout,
 * not 200, not JSON) turned into UnavailableError: the identity provider is
 * down, the token is not known to be bad. A key set without the token's key
 * still refuses the token.
 */
export function keySetOrUnavailable(keySet: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await keySet(header, token);
    } catch (error) {
      if (
        error instanceof errors.JWKSNoMatchingKey ||
        error instanceof errors.JWKSMultipleMatchingKeys ||
        error instanceof errors.JOSENotSupported ||
        error instanceof errors.JWSInvalid
      ) {
        throw error;
      }
      throw new UnavailableError("the identity provider's key set (JWKS) could not be fetched; try again", {
        cause: error,
      });
    }
  };
}

/**
 * The HS256 secret as a WebCrypto key that can only verify, imported on first
 * use (a key that does not import fails each verification, as it did before).
 */
function hmacVerifyKey(secret: string): () => Promise<webcrypto.CryptoKey> {
  let key: Promise<webcrypto.CryptoKey> | undefined;
  return () =>
    (key ??= webcrypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["verify"],
    ));
}

function formatSeconds(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** Mints an HS256 user token (development server, tests, and the CLI); `tenant` is left out for the default tenant. */
export async function mintUserToken(
  secret: string,
  userId: string,
  options: { ttlSeconds?: number; issuer?: string; audience?: string; tenant?: string } = {},
): Promise<string> {
  const claims = options.tenant === undefined || options.tenant === defaultTenant ? {} : { tenant: options.tenant };
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds ?? 3600}s`);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
