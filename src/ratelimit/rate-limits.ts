import type { Logger } from "pino";
import type { LimitsConfig } from "../config/limits.js";
import type { NatsLink } from "../messaging/nats.js";
import { createRateLimiter } from "./rate-limiter.js";
import type { Decision } from "./token-bucket.js";
import { shareUsage } from "./usage-sharing.js";

/**
 * Per-key, per-user and per-tenant rate limits, shared with the other
 * processes over NATS unless that is off. A tenant's own limits (its
 * settings) replace the deployment's for its buckets.
 */
export function createRateLimits(
  settings: LimitsConfig,
  tenantLimits: TenantLimitsOf,
  prefix: string,
  link: NatsLink,
  logger: Logger,
) {
  const limiter = createRateLimiter({
    policies: {
      ...(settings.apiKeyRateLimit !== null && { api_key: settings.apiKeyRateLimit }),
      ...(settings.userRateLimit !== null && { user: settings.userRateLimit }),
      ...(settings.tenantRateLimit !== null && { tenant: settings.tenantRateLimit }),
      ...(settings.tenantNotificationsPerDay > 0 && {
        tenant_notifications: dailyPolicy(settings.tenantNotificationsPerDay),
      }),
    },
    policyOf: (kind, id) => {
      if (kind !== "tenant" && kind !== "tenant_notifications") return undefined;
      const own = tenantLimits(id);
      if (kind === "tenant") {
        return own === undefined || own.requestsPerSecond === 0
          ? undefined
          : { perSecond: own.requestsPerSecond, burst: own.requestsPerSecond * 2 };
      }
      return own === undefined || own.notificationsPerDay === 0 ? undefined : dailyPolicy(own.notificationsPerDay);
    },
    maxBuckets: settings.rateLimitMaxBuckets,
    recordUsage: settings.rateLimitSyncMs > 0,
  });
  const sharing =
    settings.rateLimitSyncMs > 0
      ? shareUsage({
          limiter,
          connection: () => (link.isConnected() ? link.current() : null),
          ready: link.ready,
          subject: `${prefix}.ratelimit.usage`,
          intervalMs: settings.rateLimitSyncMs,
          logger,
        })
      : null;
  return {
    limiter,
    /**
     * Takes a fan-out's audience from its tenant's notifications per day when
     * it starts: null when the tenant's day is not limited (the audience is
     * then not counted). An audience larger than a whole day is refused even
     * from a full day.
     */
    async chargeNotifications(
      tenantId: string,
      audience: () => Promise<number>,
    ): Promise<{ count: number; allowed: boolean; retryInMs: number; perDay: number } | null> {
      const policy = limiter.policy("tenant_notifications", tenantId);
      if (policy === undefined) return null;
      const count = await audience();
      const perDay = policy.burst;
      if (count > perDay) return { count, allowed: false, retryInMs: 86_400_000, perDay };
      if (count === 0) return null;
      const decision = limiter.take("tenant_notifications", tenantId, count) as Decision;
      return { count, allowed: decision.allowed, retryInMs: decision.allowed ? 0 : decision.retryInMs, perDay };
    },
    stop: () => sharing?.stop(),
  };
}

/** A day's allowance as a bucket: holds a day's worth, refills over a day. */
function dailyPolicy(perDay: number) {
  return { perSecond: perDay / 86_400, burst: perDay };
}

/** A tenant's own limits from its settings (0: the deployment's), or undefined if it sets none. */
export type TenantLimitsOf = (
  tenantId: string,
) => { requestsPerSecond: number; notificationsPerDay: number } | undefined;

export type RateLimits = ReturnType<typeof createRateLimits>;
