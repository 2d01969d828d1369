/**
 * The only reader of `process.env`. Every variable is parsed and checked here,
 * once, at start; a bad value stops the process with a message naming it.
 * The README's configuration table documents each one.
 */
export interface Config {
  /** TCP port serving gRPC, gRPC-Web and Connect (HTTP/2 cleartext and HTTP/1.1). */
  port: number;
  /** Interface to listen on. */
  host: string;
  /** Postgres connection string. */
  databaseUrl: string;
  /** Most Postgres connections this process opens. */
  databasePoolMax: number;
  /** Run pending migrations at start. */
  migrateOnStart: boolean;
  /** NATS server URL(s), comma-separated. */
  natsUrl: string;
  /** Prefix of every NATS subject and stream name, so several deployments can share a NATS. */
  natsPrefix: string;
  /** Shared secret verifying HS256 user tokens. */
  userTokenSecret: string | null;
  /** JWKS URL verifying asymmetric user tokens (alternative or addition to the secret). */
  userTokenJwksUrl: string | null;
  /** Required `iss` of user tokens, if set. */
  userTokenIssuer: string | null;
  /** Required `aud` of user tokens, if set. */
  userTokenAudience: string | null;
  /** An API key that is ensured to exist with every scope at start. */
  bootstrapApiKey: string | null;
  /** How long a verified API key is trusted before it is looked up again (revocation delay). */
  apiKeyCacheTtlMs: number;
  /** Browser origins allowed by CORS; `*` allows any. Empty disables CORS. */
  corsAllowedOrigins: string[];
  /** Interval of heartbeats on idle Subscribe streams. */
  feedHeartbeatMs: number;
  /** How long feed events are kept for resuming streams. */
  feedRetentionDays: number;
  /** How often due scheduled notifications are released. */
  schedulerIntervalMs: number;
  /** pino log level. */
  logLevel: string;
  /** Longest a graceful shutdown may take before the process exits anyway. */
  shutdownTimeoutMs: number;
}

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

/** Reads and validates the configuration; throws ConfigError listing every problem. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const str = (name: string, fallback: string | null): string | null => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? fallback : value;
  };
  const required = (name: string): string => {
    const value = str(name, null);
    if (value === null) problems.push(`${name} is required`);
    return value ?? "";
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name, null);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = str(name, null)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (["1", "true", "yes"].includes(raw)) return true;
    if (["0", "false", "no"].includes(raw)) return false;
    problems.push(`${name} must be true or false, got "${raw}"`);
    return fallback;
  };
  const url = (name: string, protocols: string[], isRequired = false): string | null => {
    const raw = isRequired ? required(name) || null : str(name, null);
    if (raw === null) return null;
    for (const part of raw.split(",")) {
      try {
        const parsed = new URL(part.trim());
        if (!protocols.includes(parsed.protocol)) throw new Error();
      } catch {
        problems.push(`${name} must be a ${protocols.join(" or ")} URL, got "${part.trim()}"`);
      }
    }
    return raw;
  };

  const userTokenSecret = str("HERALD_USER_TOKEN_SECRET", null);
  if (userTokenSecret !== null && Buffer.byteLength(userTokenSecret) < 32) {
    problems.push("HERALD_USER_TOKEN_SECRET must be at least 32 bytes (HS256 needs a 256-bit key)");
  }
  const bootstrapApiKey = str("HERALD_BOOTSTRAP_API_KEY", null);
  if (bootstrapApiKey !== null && !/^hk_[A-Za-z0-9]{8,32}_[A-Za-z0-9_-]{16,128}$/.test(bootstrapApiKey)) {
    problems.push("HERALD_BOOTSTRAP_API_KEY must look like hk_<id>_<secret> (see `herald keys create`)");
  }
  const natsPrefix = str("NATS_SUBJECT_PREFIX", "herald") ?? "herald";
  if (!/^[A-Za-z0-9_-]+$/.test(natsPrefix)) {
    problems.push(`NATS_SUBJECT_PREFIX must be letters, digits, "_" or "-", got "${natsPrefix}"`);
  }

  const config: Config = {
    port: int("PORT", 8080, 0, 65535),
    host: str("HOST", "0.0.0.0") ?? "0.0.0.0",
    databaseUrl: url("DATABASE_URL", ["postgres:", "postgresql:"], true) ?? "",
    databasePoolMax: int("DATABASE_POOL_MAX", 10, 2, 1000),
    migrateOnStart: bool("MIGRATE_ON_START", true),
    natsUrl: url("NATS_URL", ["nats:", "tls:", "ws:", "wss:"], true) ?? "",
    natsPrefix,
    userTokenSecret,
    userTokenJwksUrl: url("HERALD_USER_TOKEN_JWKS_URL", ["https:", "http:"]),
    userTokenIssuer: str("HERALD_USER_TOKEN_ISSUER", null),
    userTokenAudience: str("HERALD_USER_TOKEN_AUDIENCE", null),
    bootstrapApiKey,
    apiKeyCacheTtlMs: int("API_KEY_CACHE_TTL_MS", 10_000, 0, 3_600_000),
    corsAllowedOrigins: (str("CORS_ALLOWED_ORIGINS", "") ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter((o) => o !== ""),
    feedHeartbeatMs: int("FEED_HEARTBEAT_INTERVAL_MS", 15_000, 100, 300_000),
    feedRetentionDays: int("FEED_RETENTION_DAYS", 30, 1, 3650),
    schedulerIntervalMs: int("SCHEDULER_INTERVAL_MS", 1_000, 50, 60_000),
    logLevel: str("LOG_LEVEL", "info") ?? "info",
    shutdownTimeoutMs: int("SHUTDOWN_TIMEOUT_MS", 10_000, 100, 600_000),
  };
  if (!["fatal", "error", "warn", "info", "debug", "trace", "silent"].includes(config.logLevel)) {
    problems.push(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "${config.logLevel}"`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
