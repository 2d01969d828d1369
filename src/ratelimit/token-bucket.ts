/** A token bucket's shape: refills at `perSecond` tokens a second, holds at most `burst`. */
export interface BucketPolicy {
  perSecond: number;
  burst: number;
}

/** A bucket's state: its tokens as of `at` (ms). Below zero when other processes spent more than it held. */
export interface Bucket {
  tokens: number;
  at: number;
}

/** What taking tokens from a bucket decided. */
export type Decision =
  | {
      allowed: true;
      /** Whole tokens left. */
      remaining: number;
      /** Until the bucket is full again. */
      fullInMs: number;
    }
  | {
      allowed: false;
      /** Until the bucket holds the tokens this call asked for. */
      retryInMs: number;
      fullInMs: number;
    };

export function fullBucket(policy: BucketPolicy, now: number): Bucket {
  return { tokens: policy.burst, at: now };
}

/** Adds what the bucket earned since it was last looked at. */
export function refill(bucket: Bucket, policy: BucketPolicy, now: number): void {
  if (now <= bucket.at) return;
  bucket.tokens = Math.min(policy.burst, bucket.tokens + ((now - bucket.at) * policy.perSecond) / 1000);
  bucket.at = now;
}

/** Takes `cost` tokens if the bucket holds them; a refused call takes nothing. */
export function take(bucket: Bucket, policy: BucketPolicy, cost: number, now: number): Decision {
  refill(bucket, policy, now);
  const msFor = (tokens: number) => Math.max(0, Math.ceil((tokens * 1000) / policy.perSecond));
  if (bucket.tokens >= cost) {
    bucket.tokens -= cost;
    return { allowed: true, remaining: Math.floor(bucket.tokens), fullInMs: msFor(policy.burst - bucket.tokens) };
  }
  return { allowed: false, retryInMs: msFor(cost - bucket.tokens), fullInMs: msFor(policy.burst - bucket.tokens) };
}

/** Whether the bucket is full now, so forgetting it changes nothing. */
export function isFull(bucket: Bucket, policy: BucketPolicy, now: number): boolean {
  refill(bucket, policy, now);
  return bucket.tokens >= policy.burst;
}
