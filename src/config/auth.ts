import { type ConsoleOidcConfig, readConsoleOidc } from "./console-oidc.js";
import type { EnvReader } from "./env.js";

/** Who may call: API keys, users' tokens, and console operators signed in with OIDC. */
export interface AuthConfig {
  /** The console's OpenID Connect sign-in; null when CONSOLE_OIDC_ISSUER is unset. */
  consoleOidc: ConsoleOidcConfig | null;
  userTokens: {
    /** HS256 secret, at least 32 bytes. */
    secret: string | null;
    jwksUrl: string | null;
    issuer: string | null;
    audience: string | null;
    /** Longest lifetime (exp - iat) a user token may have. */
    maxTtlMs: number;
    /** How often each process reloads revocations (the delay when a broadcast is lost). */
    revocationRefreshMs: number;
  };
  apiKeys: {
    /** An hk_<id>_<secret> key ensured to exist with every scope at start. */
    bootstrap: string | null;
    /** How long a verified key is trusted without a lookup (revocation delay). */
    cacheTtlMs: number;
    /** Lookups of keys not in the cache running at once. */
    lookupConcurrency: number;
    /** Lookups that may wait; beyond, calls are refused with Unavailable. */
    lookupQueueMax: number;
  };
}

/** HERALD_USER_TOKEN_SECRET, checked (HS256 needs 256 bits); null when unset. */
export function readUserTokenSecret(env: EnvReader): string | null {
  const secret = env.str("HERALD_USER_TOKEN_SECRET", null);
  if (secret !== null && Buffer.byteLength(secret) < 32) {
    env.problems.push("HERALD_USER_TOKEN_SECRET must be at least 32 bytes (HS256 needs a 256-bit key)");
  }
  return secret;
}

/** HERALD_USER_TOKEN_MAX_TTL: 1m to 8784h (a leap year). */
export function readUserTokenMaxTtlMs(env: EnvReader): number {
  return env.duration("HERALD_USER_TOKEN_MAX_TTL", "24h", 60_000, 8784 * 3_600_000);
}

export function readAuth(env: EnvReader): AuthConfig {
  const bootstrap = env.str("HERALD_BOOTSTRAP_API_KEY", null);
  if (bootstrap !== null && !/^hk_[A-Za-z0-9]{8,32}_[A-Za-z0-9_-]{16,128}$/.test(bootstrap)) {
    env.problems.push("HERALD_BOOTSTRAP_API_KEY must look like hk_<id>_<secret> (see `herald keys create`)");
  }
  return {
    consoleOidc: readConsoleOidc(env),
    userTokens: {
      secret: readUserTokenSecret(env),
      jwksUrl: env.url("HERALD_USER_TOKEN_JWKS_URL", ["https:", "http:"]),
      issuer: env.str("HERALD_USER_TOKEN_ISSUER", null),
      audience: env.str("HERALD_USER_TOKEN_AUDIENCE", null),
      maxTtlMs: readUserTokenMaxTtlMs(env),
      revocationRefreshMs: env.int("USER_TOKEN_REVOCATION_REFRESH_MS", 10_000, 100, 600_000),
    },
    apiKeys: {
      bootstrap,
      cacheTtlMs: env.int("API_KEY_CACHE_TTL_MS", 10_000, 0, 3_600_000),
      lookupConcurrency: env.int("API_KEY_LOOKUP_CONCURRENCY", 2, 1, 100),
      lookupQueueMax: env.int("API_KEY_LOOKUP_QUEUE_MAX", 500, 1, 100_000),
    },
  };
}
