import { type Bucket, type BucketPolicy, type Decision, fullBucket, isFull, refill, take } from "./token-bucket.js";

/** Whose bucket a call draws from: its API key's, or its user token's user's. */
export type LimitKind = "api_key" | "user";

export interface RateLimiterOptions {
  /** The bucket of each kind; a kind without one is not limited. */
  policies: Partial<Record<LimitKind, BucketPolicy>>;
  /** Most buckets kept; full buckets go first, then the oldest. */
  maxBuckets: number;
  /** Keep what this process spends per bucket, for `drainUsage` (sharing with other processes). */
  recordUsage: boolean;
  now?: () => number;
}

export interface RateLimiter {
  /** The policy of a kind, if it is limited. */
  policy(kind: LimitKind): BucketPolicy | undefined;
  /** Takes `cost` tokens (at most a full bucket) from the bucket of `id`; null when the kind is not limited. */
  take(kind: LimitKind, id: string, cost: number): Decision | null;
  /** Spends what another process reported for a bucket (`key` as `drainUsage` names it). */
  absorb(key: string, amount: number): void;
  /** What this process spent per bucket since the last call. */
  drainUsage(): Map<string, number>;
  /** Buckets held. */
  size(): number;
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

  const policyOfKey = (key: string) => options.policies[key.slice(0, key.indexOf(":")) as LimitKind];

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

  return {
    policy: (kind) => options.policies[kind],
    take(kind, id, cost) {
      const policy = options.policies[kind];
      if (policy === undefined) return null;
      const key = `${kind}:${id}`;
      const time = now();
      const spend = Math.min(Math.max(cost, 1), policy.burst);
      const decision = take(bucketOf(key, policy, time), policy, spend, time);
      if (decision.allowed && options.recordUsage) usage.set(key, (usage.get(key) ?? 0) + spend);
      return decision;
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
