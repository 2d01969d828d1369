import { UnavailableError } from "../domain/errors.js";

/** What Herald reads of an issuer's `/.well-known/openid-configuration`. */
export interface OidcDiscovery {
  issuer: string;
  jwksUri: string;
}

export interface OidcDiscoveryOptions {
  issuer: string;
  /** How long one fetch of the document may take. */
  timeoutMs: number;
  /** After a failed fetch, calls wait this long before the next try (they are refused meanwhile). */
  retryAfterMs: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/** Largest discovery document read: real ones are a few kilobytes. */
const maxDocumentBytes = 256 * 1024;

/**
 * The issuer's discovery document, fetched on first need and kept for the
 * life of the process (issuers change their jwks_uri very rarely; the key set
 * itself is refreshed by jose). Concurrent callers share one fetch. A failure
 * is UnavailableError (the issuer is down, the token is not known to be bad),
 * and the next try waits `retryAfterMs`, so a down issuer is not hammered.
 */
export function createOidcDiscovery(options: OidcDiscoveryOptions): () => Promise<OidcDiscovery> {
  const fetchFn = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  let found: Promise<OidcDiscovery> | null = null;
  let failedAt = Number.NEGATIVE_INFINITY;
  let lastError: unknown = null;

  const load = async (): Promise<OidcDiscovery> => {
    const url = `${options.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
    const res = await fetchFn(url, { signal: AbortSignal.timeout(options.timeoutMs), redirect: "error" });
    if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
    const text = await readCapped(res, maxDocumentBytes, url);
    const doc = JSON.parse(text) as { issuer?: unknown; jwks_uri?: unknown };
    // OpenID Connect Discovery 1.0, section 4.3: the document must name the issuer it was fetched for.
    if (doc.issuer !== options.issuer) {
      throw new Error(`${url} names issuer ${JSON.stringify(doc.issuer)}, not ${options.issuer}`);
    }
    if (typeof doc.jwks_uri !== "string") throw new Error(`${url} has no jwks_uri`);
    const jwks = new URL(doc.jwks_uri);
    if (jwks.protocol !== "https:" && jwks.protocol !== new URL(options.issuer).protocol) {
      throw new Error(`${url} names a jwks_uri that is not https: ${doc.jwks_uri}`);
    }
    return { issuer: doc.issuer, jwksUri: doc.jwks_uri };
  };

  return () => {
    if (found !== null) return found;
    if (now() - failedAt < options.retryAfterMs) {
      return Promise.reject(unavailable(lastError));
    }
    const attempt = load().catch((error: unknown) => {
      found = null;
      failedAt = now();
      lastError = error;
      throw unavailable(error);
    });
    found = attempt;
    return attempt;
  };
}

function unavailable(cause: unknown): UnavailableError {
  return new UnavailableError("the console's OpenID Connect issuer could not be reached; try again", { cause });
}

/** The body as text, refused (and no longer read) once it passes `maxBytes`. */
async function readCapped(res: Response, maxBytes: number, url: string): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new Error(`${url} is larger than ${maxBytes} bytes`);
  if (res.body === null) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`${url} is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
