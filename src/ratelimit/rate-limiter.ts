import { type Bucket, type BucketPolicy, type Decision, fullBucket, isFull, refill, take } from "./token-bucket.js";

/**
 * Whose bucket a call draws from: its API key's or its user token's user's,
 * and its tenant's (requests, and notifications sent).
 */
export type LimitKind = "api_key" | "user" | "tenant" | "tenant_notifications";

/** Tokens to take from one bucket. */
export interface BucketCharge {
  kind: LimitKind;
  id: string;
  cost: number;
}

export interface RateLimiterOptions {
  /** The bucket of each kind; a kind without one is not limited. */
  policies: Partial<Record<LimitKind, BucketPolicy>>;
  /**
   * A bucket's own policy (a tenant's settings): a policy, null for no limit,
   * undefined for its kind's. Asked on every take, so it must be cheap.
   */
  policyOf?: (kind: LimitKind, id: string) => BucketPolicy | null | undefined;
  /** Most buckets kept; full buckets go first, then the oldest. */
  maxBuckets: number;
  /** Keep what this process spends per bucket, for `drainUsage` (sharing with other processes). */
  recordUsage: boolean;
  now?: () => number;
}

export interface RateLimiter {
  /** The policy of a bucket, if it is limited. */
  policy(kind: LimitKind, id: string): BucketPolicy | undefined;
  /** Takes `cost` tokens (at most a full bucket, except for notifications: see spendOf) from the bucket of `id`; null when it is not limited. */
  take(kind: LimitKind, id: string, cost: number): Decision | null;
  /**
   * Takes from every bucket, or from none: the first charge (in order) its
   * bucket cannot pay refuses them all. Unlimited buckets are left out.
   */
  takeAll(charges: readonly BucketCharge[]): Array<{ charge: BucketCharge; policy: BucketPolicy; decision: Decision }>;
  /** Spends what another process reported for a bucket (`key` as `drainUsage` names it). */
  absorb(key: string, amount: number): void;
  /** What this process spent per bucket since the last call. */
  drainUsage(): Map<string, number>;
  /** Buckets held. */
  size(): number;
}

/**
 * What a charge takes from its bucket. Request buckets take at most a full
 * bucket, so a costly call (a SendBatch) still gets through a full bucket
 * rather than never. A tenant's notifications per day are counted exactly: a
 * Send to more recipients than the whole day holds is refused, not let
 * through as one day's worth.
 */
function spendOf(kind: LimitKind, cost: number, policy: BucketPolicy): number {
  const spend = Math.max(cost, 1);
  return kind === "tenant_notifications" ? spend : Math.min(spend, policy.burst);
}

/**
 * In-memory token buckets keyed by API key id or user id. A bucket that would
 * be full is the same as no bucket, so memory holds only callers that spent
 * something lately, and never more than `maxBuckets` (forgetting a bucket that
 * is not full only lets its caller start over with a full one).
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const buckets = new Map<string, Bucket>();
  let usage = new Map<string, number>();

  const policyFor = (kind: LimitKind, id: string): BucketPolicy | undefined => {
    const own = options.policyOf?.(kind, id);
    return own === null ? undefined : (own ?? options.policies[kind]);
  };
  const policyOfKey = (key: string) => {
    const colon = key.indexOf(":");
    return policyFor(key.slice(0, colon) as LimitKind, key.slice(colon + 1));
  };

  const evict = (time: number) => {
    for (const [key, bucket] of buckets) {
      const policy = policyOfKey(key);
      if (policy === undefined || isFull(bucket, policy, time)) buckets.delete(key);
    }
    // Still crowded: drop the oldest tenth at once, so this runs rarely.
    const target = Math.floor(options.maxBuckets * 0.9);
    for (const key of buckets.keys()) {
      if (buckets.size <= target) break;
      buckets.delete(key);
    }
  };

  const bucketOf = (key: string, policy: BucketPolicy, time: number): Bucket => {
    let bucket = buckets.get(key);
    if (bucket === undefined) {
      if (buckets.size >= options.maxBuckets) evict(time);
      bucket = fullBucket(policy, time);
      buckets.set(key, bucket);
    }
    return bucket;
  };

  const takeOne = (kind: LimitKind, id: string, cost: number, policy: BucketPolicy, time: number) => {
    const key = `${kind}:${id}`;
    const spend = spendOf(kind, cost, policy);
    const decision = take(bucketOf(key, policy, time), policy, spend, time);
    if (decision.allowed && options.recordUsage) usage.set(key, (usage.get(key) ?? 0) + spend);
    return decision;
  };

  return {
    policy: policyFor,
    take(kind, id, cost) {
      const policy = policyFor(kind, id);
      return policy === undefined ? null : takeOne(kind, id, cost, policy, now());
    },
    takeAll(charges) {
      const time = now();
      const limited = charges.flatMap((charge) => {
        const policy = policyFor(charge.kind, charge.id);
        return policy === undefined ? [] : [{ charge, policy }];
      });
      // Looked at first, so a refusal by a later bucket takes nothing from an earlier one.
      for (const { charge, policy } of limited) {
        const bucket = bucketOf(`${charge.kind}:${charge.id}`, policy, time);
        refill(bucket, policy, time);
        const spend = spendOf(charge.kind, charge.cost, policy);
        if (bucket.tokens < spend) return [{ charge, policy, decision: take(bucket, policy, spend, time) }];
      }
      return limited.map(({ charge, policy }) => ({
        charge,
        policy,
        decision: takeOne(charge.kind, charge.id, charge.cost, policy, time),
      }));
    },
    absorb(key, amount) {
      const policy = policyOfKey(key);
      if (policy === undefined || !Number.isFinite(amount) || amount <= 0) return;
      const time = now();
      const bucket = bucketOf(key, policy, time);
      refill(bucket, policy, time);
      bucket.tokens -= amount;
    },
    drainUsage() {
      const drained = usage;
      usage = new Map();
      return drained;
    },
    size: () => buckets.size,
  };
}
