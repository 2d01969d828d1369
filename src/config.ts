import { readFileSync } from "node:fs";
import { isIP } from "node:net";

/**
 * The only reader of `process.env`. Every variable is parsed and checked here,
 * once, at start; a bad value stops the process with a message naming it.
 * The README's configuration table documents each one.
 */
type DeliverySettings = Pick<
  Config,
  | "workersEnabled"
  | "deliveryConcurrency"
  | "deliveryTimeoutMs"
  | "retryScheduleMs"
  | "outboxRelayIntervalMs"
  | "requiredCategories"
  | "defaultLocale"
  | "smtpUrl"
  | "emailFrom"
  | "emailPoolSize"
  | "preferencesUrl"
  | "twilio"
  | "fcm"
  | "webhookTimeoutMs"
  | "webhookAllowPrivateNetworks"
  | "webhookSecretGraceHours"
>;

export interface Config {
  /** TCP port serving gRPC, gRPC-Web and Connect (HTTP/2 cleartext and HTTP/1.1). */
  port: number;
  /** Interface to listen on. */
  host: string;
  /**
   * Which stack serves the gRPC protocol on HTTP/2 connections: `grpc-js`
   * (faster; README "Architecture") or `connect-node` (the one stack for all three protocols).
   */
  grpcServer: "grpc-js" | "connect-node";
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
  /** pino log level. */
  logLevel: string;
  /** Longest a graceful shutdown may take before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** Serve Prometheus metrics. */
  metricsEnabled: boolean;
  /** Port of the metrics endpoint (its own, away from the API); 0 picks a free one. */
  metricsPort: number;

  // Connection and request limits of the API port (README "Security").
  /** Largest request message accepted; larger requests are ResourceExhausted. */
  requestMaxBytes: number;
  /** A request's line and headers must arrive within this long (HTTP/1.1) of the connection opening or turning idle. */
  httpHeadersTimeoutMs: number;
  /** A request's body must arrive within this long after its headers (both HTTP versions). */
  httpRequestTimeoutMs: number;
  /** A connection with no request in progress (HTTP/1.1) or no open stream (HTTP/2) is closed after this long. */
  httpIdleTimeoutMs: number;
  /** Most streams a client may have open at once on one HTTP/2 connection. */
  http2MaxConcurrentStreams: number;
  /** Streams a client may reset on one HTTP/2 connection in a burst before it is cut off. */
  http2ResetBurst: number;
  /** Resets per second that refill that burst. */
  http2ResetsPerSecond: number;
  /** After a connection is cut for abuse, new connections from that address wait this long (doubling per offence). */
  abusePenaltyBaseMs: number;
  /** The longest such wait. */
  abusePenaltyMaxMs: number;
  /** API key lookups (keys not in the cache) running at once. */
  apiKeyLookupConcurrency: number;
  /** API key lookups that may wait; beyond this, calls are refused with Unavailable. */
  apiKeyLookupQueueMax: number;

  /** Run delivery workers (and the outbox relay) in this process. */
  workersEnabled: boolean;
  /** Deliveries each channel's worker handles at once, per process. */
  deliveryConcurrency: number;
  /** Longest a provider call may take before it counts as a transient failure. */
  deliveryTimeoutMs: number;
  /** Waits before each retry of a transiently failed delivery; attempts = retries + 1. */
  retryScheduleMs: number[];
  /** How often the outbox relay looks for unpublished deliveries (it also runs right after each Send). */
  outboxRelayIntervalMs: number;
  /** Categories (and those below them) whose critical notifications ignore opt-outs. */
  requiredCategories: string[];
  /** Locale whose templates serve recipients without a locale or a template in theirs. */
  defaultLocale: string;

  /** SMTP server (smtp:// or smtps://, credentials in the URL); null turns email off. */
  smtpUrl: string | null;
  /** The From header of emails. */
  emailFrom: string;
  /** Pooled SMTP connections per process. */
  emailPoolSize: number;
  /** A user's preferences page, `{user_id}` replaced; emails' List-Unsubscribe points here. */
  preferencesUrl: string | null;

  /** Twilio Messages API settings; null turns SMS off. */
  twilio: {
    baseUrl: string;
    accountSid: string;
    authToken: string;
    from: string | null;
    messagingServiceSid: string | null;
  } | null;
  /** FCM HTTP v1 settings; null turns push off. */
  fcm: { baseUrl: string; serviceAccount: FcmServiceAccount } | null;

  /** A webhook endpoint must answer 2xx within this long. */
  webhookTimeoutMs: number;
  /** Let webhook endpoints be on loopback and private networks (development, tests). */
  webhookAllowPrivateNetworks: boolean;
  /** How long a rotated-out webhook secret keeps signing. */
  webhookSecretGraceHours: number;

  // Content limits (issue 9): free-form JSON in requests and template rendering.
  /** Deepest nesting of objects and lists in `data` (and any JSON field of a request). */
  dataMaxDepth: number;
  /** Most values (members and items, at any level) in `data`. */
  dataMaxValues: number;
  /** Longest key of an object in `data`, in characters. */
  dataMaxKeyLength: number;
  /** CPU time a Send's template rendering may take, over all its channels and locales. */
  templateRenderBudgetMs: number;
  /** `{{#each}}` iterations a Send's template rendering may run. */
  templateRenderMaxIterations: number;
  /** Characters of data variables a Send's template rendering may read (each read counts). */
  templateRenderMaxBytes: number;
  /** Expressions (`{{ }}`, blocks) a template part may have; compiling costs about 40 µs each. */
  templateMaxExpressions: number;

  // Quotas: caps on what one user can store, rate limits, user token lifetime
  // and revocation (issue 9; README "Security").
  /** Token bucket of each API key (by key id); null turns the limit off. */
  apiKeyRateLimit: RateLimitSetting | null;
  /** Token bucket of each user calling with a user token (by user id); null turns the limit off. */
  userRateLimit: RateLimitSetting | null;
  /** A Send costs one token per this many recipients, rounded up. */
  sendRecipientsPerToken: number;
  /** How often each process shares what its buckets consumed over NATS; 0 keeps limits per process. */
  rateLimitSyncMs: number;
  /** Most rate-limit buckets a process keeps (full ones are dropped first). */
  rateLimitMaxBuckets: number;
  /** Most push devices one user may have registered. */
  maxDevicesPerUser: number;
  /** Most categories one user may have preferences for. */
  maxPreferenceCategoriesPerUser: number;
  /** Longest lifetime (exp - iat) a user token may have. */
  userTokenMaxTtlMs: number;
  /** How often each process reloads user token revocations (the delay when a NATS announcement is lost). */
  userTokenRevocationRefreshMs: number;

  // --- Live feed limits and metrics exposure (issue 9: feed, metrics) ---
  /** Most Subscribe streams one user may hold open in one process. */
  feedMaxStreamsPerUser: number;
  /** Most Subscribe streams one process holds open. */
  feedMaxStreams: number;
  /** Live-feed Postgres reads (stream opens, catch-ups, heartbeats) running at once; below databasePoolMax. */
  feedReadConcurrency: number;
  /** Live-feed reads that may wait for a slot before new Subscribes are refused with Unavailable. */
  feedReadQueueMax: number;
  /** Interface the metrics endpoint listens on; loopback unless exposed on purpose. */
  metricsHost: string;
  /** How often gauges that need Postgres or NATS are read; scrapes serve the last values. */
  metricsRefreshIntervalMs: number;
}

/** A token bucket: refills at `perSecond`, holds at most `burst`. */
export interface RateLimitSetting {
  perSecond: number;
  burst: number;
}

/** The fields of a Google service account key file that FCM needs. */
export interface FcmServiceAccount {
  project_id: string;
  client_email: string;
  private_key: string;
  token_uri: string;
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
    grpcServer: grpcServer(str("GRPC_SERVER", "grpc-js") ?? "grpc-js", problems),
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
    logLevel: str("LOG_LEVEL", "info") ?? "info",
    shutdownTimeoutMs: int("SHUTDOWN_TIMEOUT_MS", 10_000, 100, 600_000),
    metricsEnabled: bool("METRICS_ENABLED", true),
    metricsPort: int("METRICS_PORT", 9464, 0, 65535),
    ...serverLimitsConfig({ required, str, int, bool, url, problems }),
    ...deliveryConfig({ required, str, int, bool, url, problems }),
    ...contentLimitsConfig({ required, str, int, bool, url, problems }),
    ...quotaConfig({ required, str, int, bool, url, problems }),
    ...feedOpsConfig({ required, str, int, bool, url, problems }),
  };
  if (!["fatal", "error", "warn", "info", "debug", "trace", "silent"].includes(config.logLevel)) {
    problems.push(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "${config.logLevel}"`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function grpcServer(value: string, problems: string[]): Config["grpcServer"] {
  if (value === "grpc-js" || value === "connect-node") return value;
  problems.push(`GRPC_SERVER must be grpc-js or connect-node, got "${value}"`);
  return "grpc-js";
}

interface Readers {
  required: (name: string) => string;
  str: (name: string, fallback: string | null) => string | null;
  int: (name: string, fallback: number, min: number, max: number) => number;
  bool: (name: string, fallback: boolean) => boolean;
  url: (name: string, protocols: string[], isRequired?: boolean) => string | null;
  problems: string[];
}

/** The dispatch and channel part of the configuration. */
function deliveryConfig(r: Readers): DeliverySettings {
  const { required, str, int, bool, url, problems } = r;
  const schedule = (str("DELIVERY_RETRY_SCHEDULE", "5s,30s,2m,10m,30m,1h") ?? "").split(",").map((part) => {
    const ms = parseDuration(part.trim());
    if (ms === null)
      problems.push(`DELIVERY_RETRY_SCHEDULE must be durations such as 5s,30s,2m,1h; got "${part.trim()}"`);
    return ms ?? 0;
  });

  const accountSid = str("TWILIO_ACCOUNT_SID", null);
  const twilio =
    accountSid === null
      ? null
      : {
          baseUrl: url("TWILIO_BASE_URL", ["https:", "http:"]) ?? "https://api.twilio.com",
          accountSid,
          authToken: required("TWILIO_AUTH_TOKEN"),
          from: str("TWILIO_FROM", null),
          messagingServiceSid: str("TWILIO_MESSAGING_SERVICE_SID", null),
        };
  if (twilio !== null && twilio.from === null && twilio.messagingServiceSid === null) {
    problems.push("TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required with TWILIO_ACCOUNT_SID");
  }

  const fcmFile = str("FCM_SERVICE_ACCOUNT_FILE", null);
  let fcm: Config["fcm"] = null;
  if (fcmFile !== null) {
    try {
      const account = JSON.parse(readFileSync(fcmFile, "utf8")) as Partial<FcmServiceAccount>;
      const missing = (["project_id", "client_email", "private_key", "token_uri"] as const).filter((k) => !account[k]);
      if (missing.length > 0) throw new Error(`it lacks ${missing.join(", ")}`);
      fcm = {
        baseUrl: url("FCM_BASE_URL", ["https:", "http:"]) ?? "https://fcm.googleapis.com",
        serviceAccount: account as FcmServiceAccount,
      };
    } catch (error) {
      problems.push(`FCM_SERVICE_ACCOUNT_FILE must name a service account key file: ${(error as Error).message}`);
    }
  }

  const defaultLocale = str("DEFAULT_LOCALE", "en") ?? "en";
  if (!/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/.test(defaultLocale)) {
    problems.push(`DEFAULT_LOCALE must be a BCP 47 tag such as en or de-AT, got "${defaultLocale}"`);
  }
  const preferencesUrl = url("PREFERENCES_URL", ["https:", "http:"]);
  return {
    workersEnabled: bool("WORKERS_ENABLED", true),
    deliveryConcurrency: int("DELIVERY_CONCURRENCY", 16, 1, 1000),
    deliveryTimeoutMs: int("DELIVERY_TIMEOUT_MS", 15_000, 100, 300_000),
    retryScheduleMs: schedule,
    outboxRelayIntervalMs: int("OUTBOX_RELAY_INTERVAL_MS", 1_000, 20, 600_000),
    requiredCategories: (str("REQUIRED_CATEGORIES", "") ?? "")
      .split(",")
      .map((c) => c.trim())
      .filter((c) => c !== ""),
    defaultLocale,
    smtpUrl: url("SMTP_URL", ["smtp:", "smtps:"]),
    emailFrom: str("EMAIL_FROM", "Herald <herald@localhost>") ?? "",
    emailPoolSize: int("EMAIL_POOL_SIZE", 5, 1, 100),
    preferencesUrl,
    twilio,
    fcm,
    webhookTimeoutMs: int("WEBHOOK_TIMEOUT_MS", 10_000, 100, 120_000),
    webhookAllowPrivateNetworks: bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", false),
    webhookSecretGraceHours: int("WEBHOOK_SECRET_GRACE_HOURS", 24, 0, 24 * 30),
  };
}

type QuotaSettings = Pick<
  Config,
  | "apiKeyRateLimit"
  | "userRateLimit"
  | "sendRecipientsPerToken"
  | "rateLimitSyncMs"
  | "rateLimitMaxBuckets"
  | "maxDevicesPerUser"
  | "maxPreferenceCategoriesPerUser"
  | "userTokenMaxTtlMs"
  | "userTokenRevocationRefreshMs"
>;

/**
 * Caps, rate limits and user token lifetime. Defaults are far above what a
 * person or a well-behaved backend does, and far below what a flood does.
 */
function quotaConfig(r: Readers): QuotaSettings {
  const { int } = r;
  const bucket = (name: string, perSecond: number): RateLimitSetting | null => {
    const rate = int(`RATE_LIMIT_${name}_PER_SECOND`, perSecond, 0, 1_000_000);
    const burst = int(`RATE_LIMIT_${name}_BURST`, Math.max(1, rate * 2), 1, 10_000_000);
    return rate === 0 ? null : { perSecond: rate, burst };
  };
  return {
    apiKeyRateLimit: bucket("API_KEY", 500),
    userRateLimit: bucket("USER", 50),
    sendRecipientsPerToken: int("RATE_LIMIT_SEND_RECIPIENTS_PER_TOKEN", 10, 1, 1000),
    rateLimitSyncMs: int("RATE_LIMIT_SYNC_INTERVAL_MS", 200, 0, 10_000),
    rateLimitMaxBuckets: int("RATE_LIMIT_MAX_BUCKETS", 100_000, 100, 10_000_000),
    maxDevicesPerUser: int("MAX_DEVICES_PER_USER", 50, 1, 100_000),
    maxPreferenceCategoriesPerUser: int("MAX_PREFERENCE_CATEGORIES_PER_USER", 200, 1, 100_000),
    userTokenMaxTtlMs: userTokenMaxTtlMs(r),
    userTokenRevocationRefreshMs: int("USER_TOKEN_REVOCATION_REFRESH_MS", 10_000, 100, 600_000),
  };
}

function userTokenMaxTtlMs(r: Pick<Readers, "str" | "problems">): number {
  const raw = r.str("HERALD_USER_TOKEN_MAX_TTL", "24h") ?? "24h";
  const ms = parseDuration(raw);
  if (ms === null || ms < 60_000 || ms > 366 * 24 * 3_600_000) {
    r.problems.push(`HERALD_USER_TOKEN_MAX_TTL must be a duration from 1m to 8784h such as 24h or 90m; got "${raw}"`);
    return 24 * 3_600_000;
  }
  return ms;
}

/**
 * HERALD_USER_TOKEN_MAX_TTL alone, for commands that mint tokens without the
 * rest of the configuration (`herald token`); throws ConfigError if it is bad.
 */
export function readUserTokenMaxTtlMs(env: Env = process.env): number {
  const problems: string[] = [];
  const value = env.HERALD_USER_TOKEN_MAX_TTL?.trim();
  const ms = userTokenMaxTtlMs({
    str: (_, fallback) => (value === undefined || value === "" ? fallback : value),
    problems,
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return ms;
}

type FeedOpsSettings = Pick<
  Config,
  | "feedMaxStreamsPerUser"
  | "feedMaxStreams"
  | "feedReadConcurrency"
  | "feedReadQueueMax"
  | "metricsHost"
  | "metricsRefreshIntervalMs"
>;

/** Limits of the live feed and how the metrics endpoint is exposed. */
function feedOpsConfig(r: Readers): FeedOpsSettings {
  const { str, int, problems } = r;
  // DATABASE_POOL_MAX itself is checked above; here only its value matters.
  const poolMax = Number(str("DATABASE_POOL_MAX", null) ?? 10) || 10;
  // Feed reads must leave connections to List, Send and the workers.
  const defaultConcurrency = Math.max(1, Math.min(3, Math.floor(poolMax / 3)));
  const feedReadConcurrency = int("FEED_READ_CONCURRENCY", defaultConcurrency, 1, 1000);
  if (feedReadConcurrency >= poolMax) {
    problems.push(
      `FEED_READ_CONCURRENCY must be below DATABASE_POOL_MAX (${poolMax}), got ${feedReadConcurrency}: feed reads would take every connection`,
    );
  }
  const metricsHost = str("METRICS_HOST", "127.0.0.1") ?? "127.0.0.1";
  if (!isIP(metricsHost) && !/^[A-Za-z0-9.-]+$/.test(metricsHost)) {
    problems.push(`METRICS_HOST must be an IP address or a host name, got "${metricsHost}"`);
  }
  return {
    feedMaxStreamsPerUser: int("FEED_MAX_STREAMS_PER_USER", 32, 1, 100_000),
    feedMaxStreams: int("FEED_MAX_STREAMS", 20_000, 1, 10_000_000),
    feedReadConcurrency,
    feedReadQueueMax: int("FEED_READ_QUEUE_MAX", 2_000, 1, 1_000_000),
    metricsHost,
    metricsRefreshIntervalMs: int("METRICS_REFRESH_INTERVAL_MS", 5_000, 100, 3_600_000),
  };
}

/** Milliseconds of "500ms", "5s", "2m", "1h"; null if it is none of those. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text);
  if (match === null) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
  return Number(match[1]) * unit;
}

type ServerLimits = Pick<
  Config,
  | "requestMaxBytes"
  | "httpHeadersTimeoutMs"
  | "httpRequestTimeoutMs"
  | "httpIdleTimeoutMs"
  | "http2MaxConcurrentStreams"
  | "http2ResetBurst"
  | "http2ResetsPerSecond"
  | "abusePenaltyBaseMs"
  | "abusePenaltyMaxMs"
  | "apiKeyLookupConcurrency"
  | "apiKeyLookupQueueMax"
>;

/** The connection and request limits of the API port. */
function serverLimitsConfig(r: Readers): ServerLimits {
  const { int } = r;
  return {
    requestMaxBytes: int("REQUEST_MAX_BYTES", 4 * 1024 * 1024, 1024, 64 * 1024 * 1024),
    httpHeadersTimeoutMs: int("HTTP_HEADERS_TIMEOUT_MS", 10_000, 100, 600_000),
    httpRequestTimeoutMs: int("HTTP_REQUEST_TIMEOUT_MS", 30_000, 100, 600_000),
    httpIdleTimeoutMs: int("HTTP_IDLE_TIMEOUT_MS", 120_000, 1_000, 3_600_000),
    http2MaxConcurrentStreams: int("HTTP2_MAX_CONCURRENT_STREAMS", 250, 1, 100_000),
    http2ResetBurst: int("HTTP2_RESET_BURST", 200, 1, 1_000_000),
    http2ResetsPerSecond: int("HTTP2_RESETS_PER_SECOND", 50, 1, 1_000_000),
    abusePenaltyBaseMs: int("ABUSE_PENALTY_BASE_MS", 250, 0, 600_000),
    abusePenaltyMaxMs: int("ABUSE_PENALTY_MAX_MS", 10_000, 0, 3_600_000),
    apiKeyLookupConcurrency: int("API_KEY_LOOKUP_CONCURRENCY", 2, 1, 100),
    apiKeyLookupQueueMax: int("API_KEY_LOOKUP_QUEUE_MAX", 500, 1, 100_000),
  };
}

/**
 * Limits on what requests carry and templates render (issue 9). The depth cap
 * of 30 keeps accepted data readable by every client: binary protobuf readers
 * stop at 100 levels of messages and Python's counts three per JSON level.
 */
function contentLimitsConfig(
  r: Readers,
): Pick<
  Config,
  | "dataMaxDepth"
  | "dataMaxValues"
  | "dataMaxKeyLength"
  | "templateRenderBudgetMs"
  | "templateRenderMaxIterations"
  | "templateRenderMaxBytes"
  | "templateMaxExpressions"
> {
  const { int } = r;
  return {
    dataMaxDepth: int("DATA_MAX_DEPTH", 10, 1, 30),
    dataMaxValues: int("DATA_MAX_VALUES", 1_000, 1, 100_000),
    dataMaxKeyLength: int("DATA_MAX_KEY_LENGTH", 256, 1, 16_384),
    templateRenderBudgetMs: int("TEMPLATE_RENDER_BUDGET_MS", 250, 1, 60_000),
    templateRenderMaxIterations: int("TEMPLATE_RENDER_MAX_ITERATIONS", 10_000, 1, 10_000_000),
    templateRenderMaxBytes: int("TEMPLATE_RENDER_MAX_BYTES", 4 * 1024 * 1024, 1024, 256 * 1024 * 1024),
    templateMaxExpressions: int("TEMPLATE_MAX_EXPRESSIONS", 2_000, 1, 100_000),
  };
}

/** What the `herald` command line reads besides `serve`: each is null when unset. */
export interface CliConfig {
  /** DATABASE_URL, for `migrate` and `keys`. */
  databaseUrl: string | null;
  /** HERALD_USER_TOKEN_SECRET, for `token`. */
  userTokenSecret: string | null;
}

/**
 * Reads only the variables the command line uses, with the same checks as
 * loadConfig, so `herald keys` and `herald token` need none of the server's
 * other settings (NATS and the rest). Throws ConfigError listing every problem.
 */
export function loadCliConfig(env: Env = process.env): CliConfig {
  const problems: string[] = [];
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  const isPostgresUrl = (url: string) =>
    URL.canParse(url) && ["postgres:", "postgresql:"].includes(new URL(url).protocol);
  if (databaseUrl !== null && !isPostgresUrl(databaseUrl)) {
    problems.push("DATABASE_URL must be a postgres: or postgresql: URL");
  }
  const userTokenSecret = env.HERALD_USER_TOKEN_SECRET?.trim() || null;
  if (userTokenSecret !== null && Buffer.byteLength(userTokenSecret) < 32) {
    problems.push("HERALD_USER_TOKEN_SECRET must be at least 32 bytes (HS256 needs a 256-bit key)");
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { databaseUrl, userTokenSecret };
}
