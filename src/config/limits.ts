import type { EnvReader } from "./env.js";

/** A token bucket: refills at `perSecond`, holds at most `burst`. */
export interface RateLimitSetting {
  perSecond: number;
  burst: number;
}

/**
 * What one caller may make Herald hold or do (README "Security"): rate limits,
 * per-user caps, and the shape of free-form data. Defaults are far above what a
 * person or a well-behaved backend does, and far below what a flood does.
 */
export interface LimitsConfig {
  /** Each API key's bucket; null turns the limit off. */
  apiKeyRateLimit: RateLimitSetting | null;
  /** Each user's bucket (calls with that user's tokens); null turns the limit off. */
  userRateLimit: RateLimitSetting | null;
  /** Each tenant's bucket (every call of its keys, users and operators); null: none unless a tenant's settings set one. */
  tenantRateLimit: RateLimitSetting | null;
  /** Notifications each tenant may send per day (rolling); 0: no limit unless a tenant's settings set one. */
  tenantNotificationsPerDay: number;
  /** A Send costs one token per this many recipients, rounded up. */
  sendRecipientsPerToken: number;
  /** How often processes share what their buckets spent over NATS; 0 keeps limits per process. */
  rateLimitSyncMs: number;
  /** Most rate-limit buckets a process keeps. */
  rateLimitMaxBuckets: number;
  maxDevicesPerUser: number;
  maxPreferenceCategoriesPerUser: number;
  /** Most workflows (not deleted) at once: each is checked at upsert and matched on Send. */
  workflowMaxCount: number;
  /**
   * Deepest nesting in `data`. At most 30: binary protobuf readers stop at 100
   * levels of messages and Python's counts three per JSON level.
   */
  dataMaxDepth: number;
  dataMaxValues: number;
  dataMaxKeyLength: number;
}

export function readLimits(env: EnvReader): LimitsConfig {
  const bucket = (name: string, perSecond: number): RateLimitSetting | null => {
    const rate = env.int(`RATE_LIMIT_${name}_PER_SECOND`, perSecond, 0, 1_000_000);
    const burst = env.int(`RATE_LIMIT_${name}_BURST`, Math.max(1, rate * 2), 1, 10_000_000);
    return rate === 0 ? null : { perSecond: rate, burst };
  };
  return {
    apiKeyRateLimit: bucket("API_KEY", 500),
    userRateLimit: bucket("USER", 50),
    tenantRateLimit: bucket("TENANT", 0),
    tenantNotificationsPerDay: env.int("TENANT_NOTIFICATIONS_PER_DAY", 0, 0, 1_000_000_000),
    sendRecipientsPerToken: env.int("RATE_LIMIT_SEND_RECIPIENTS_PER_TOKEN", 10, 1, 1000),
    rateLimitSyncMs: env.int("RATE_LIMIT_SYNC_INTERVAL_MS", 200, 0, 10_000),
    rateLimitMaxBuckets: env.int("RATE_LIMIT_MAX_BUCKETS", 100_000, 100, 10_000_000),
    maxDevicesPerUser: env.int("MAX_DEVICES_PER_USER", 50, 1, 100_000),
    maxPreferenceCategoriesPerUser: env.int("MAX_PREFERENCE_CATEGORIES_PER_USER", 200, 1, 100_000),
    workflowMaxCount: env.int("WORKFLOW_MAX_COUNT", 200, 1, 10_000),
    dataMaxDepth: env.int("DATA_MAX_DEPTH", 10, 1, 30),
    dataMaxValues: env.int("DATA_MAX_VALUES", 1_000, 1, 100_000),
    dataMaxKeyLength: env.int("DATA_MAX_KEY_LENGTH", 256, 1, 16_384),
  };
}
