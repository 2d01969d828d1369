import { describe, expect, it } from "vitest";
import { createRateLimiter } from "../../src/ratelimit/rate-limiter.js";
import { fullBucket, take } from "../../src/ratelimit/token-bucket.js";

describe("token bucket", () => {
  const policy = { perSecond: 10, burst: 20 };

  it("admits a burst, then refills at the rate", () => {
    const bucket = fullBucket(policy, 0);
    for (let i = 0; i < 20; i++) expect(take(bucket, policy, 1, 0).allowed).toBe(true);
    expect(take(bucket, policy, 1, 0)).toEqual({ allowed: false, retryInMs: 100, fullInMs: 2000 });
    expect(take(bucket, policy, 1, 100)).toMatchObject({ allowed: true, remaining: 0 });
    expect(take(bucket, policy, 5, 300)).toMatchObject({ allowed: false, retryInMs: 300 });
    // Never more than the burst, however long it waited.
    expect(take(bucket, policy, 1, 3_600_000)).toEqual({ allowed: true, remaining: 19, fullInMs: 100 });
  });

  it("a refused call takes nothing", () => {
    const bucket = fullBucket(policy, 0);
    expect(take(bucket, policy, 15, 0).allowed).toBe(true);
    expect(take(bucket, policy, 6, 0).allowed).toBe(false);
    expect(take(bucket, policy, 5, 0)).toMatchObject({ allowed: true, remaining: 0 });
  });
});

describe("rate limiter", () => {
  const policies = { api_key: { perSecond: 1, burst: 5 }, user: { perSecond: 1, burst: 2 } };

  it("keeps one bucket per kind and id; a kind without a policy is not limited", () => {
    const limiter = createRateLimiter({ policies, maxBuckets: 100, recordUsage: false, now: () => 0 });
    for (let i = 0; i < 5; i++) expect(limiter.take("api_key", "a", 1)?.allowed).toBe(true);
    expect(limiter.take("api_key", "a", 1)?.allowed).toBe(false);
    expect(limiter.take("api_key", "b", 1)?.allowed).toBe(true);
    expect(limiter.take("user", "a", 1)?.allowed).toBe(true);
    const open = createRateLimiter({ policies: { user: policies.user }, maxBuckets: 100, recordUsage: false });
    expect(open.take("api_key", "a", 1)).toBeNull();
  });

  it("a cost above the burst takes a full bucket", () => {
    const limiter = createRateLimiter({ policies, maxBuckets: 100, recordUsage: false, now: () => 0 });
    expect(limiter.take("api_key", "a", 100)).toMatchObject({ allowed: true, remaining: 0 });
    expect(limiter.take("api_key", "a", 100)?.allowed).toBe(false);
  });

  it("records what it spent for sharing, and spends what others report", () => {
    let time = 0;
    const here = createRateLimiter({ policies, maxBuckets: 100, recordUsage: true, now: () => time });
    const there = createRateLimiter({ policies, maxBuckets: 100, recordUsage: true, now: () => time });
    here.take("api_key", "a", 3);
    here.take("api_key", "a", 1);
    here.take("user", "u", 5); // 2: a cost is at most a full bucket
    const usage = here.drainUsage();
    expect([...usage]).toEqual([
      ["api_key:a", 4],
      ["user:u", 2],
    ]);
    expect(here.drainUsage().size).toBe(0);
    for (const [key, amount] of usage) there.absorb(key, amount);
    expect(there.take("api_key", "a", 1)).toMatchObject({ allowed: true, remaining: 0 });
    expect(there.take("user", "u", 1)?.allowed).toBe(false);
    // Debts are paid back by refilling, as if the calls had been made here.
    there.absorb("api_key:a", 3);
    time = 3_000;
    expect(there.take("api_key", "a", 1)?.allowed).toBe(false);
    time = 4_000;
    expect(there.take("api_key", "a", 1)?.allowed).toBe(true);
    // Nonsense from the wire changes nothing.
    there.absorb("api_key:b", Number.NaN);
    there.absorb("nokind:b", 5);
    there.absorb("api_key:c", -5);
    expect(there.take("api_key", "c", 5)?.allowed).toBe(true);
  });

  it("holds at most maxBuckets, whether the buckets are full or spending", () => {
    let time = 0;
    const limiter = createRateLimiter({ policies, maxBuckets: 100, recordUsage: false, now: () => time });
    for (let i = 0; i < 1000; i++) {
      limiter.take("user", `u${i}`, 1);
      time += 10_000; // each earlier bucket is full again
    }
    expect(limiter.size()).toBeLessThanOrEqual(100);
    time += 1;
    // Crowded by buckets that are all spending: still bounded.
    for (let i = 0; i < 1000; i++) limiter.take("user", `v${i}`, 2);
    expect(limiter.size()).toBeLessThanOrEqual(100);
  });

  it("takeAll takes from every bucket or from none", () => {
    const limiter = createRateLimiter({
      policies: { api_key: { perSecond: 1, burst: 5 }, tenant: { perSecond: 1, burst: 3 } },
      maxBuckets: 100,
      recordUsage: false,
      now: () => 0,
    });
    const call = (key: string) => [
      { kind: "api_key" as const, id: key, cost: 1 },
      { kind: "tenant" as const, id: "acme", cost: 1 },
      { kind: "user" as const, id: "unlimited", cost: 1 },
    ];
    for (let i = 0; i < 3; i++) {
      const paid = limiter.takeAll(call(`k${i}`));
      expect(paid.map((p) => [p.charge.kind, p.decision.allowed])).toEqual([
        ["api_key", true],
        ["tenant", true],
      ]);
    }
    // The tenant's bucket is empty: refused, and the key's bucket keeps its tokens.
    const refused = limiter.takeAll(call("k9"));
    expect(refused).toHaveLength(1);
    expect(refused[0]?.charge.kind).toBe("tenant");
    expect(refused[0]?.decision.allowed).toBe(false);
    expect(limiter.take("api_key", "k9", 5)?.allowed).toBe(true);
  });

  it("a bucket's own policy replaces its kind's; null means unlimited", () => {
    const limiter = createRateLimiter({
      policies: { tenant: { perSecond: 1, burst: 1 } },
      policyOf: (_kind, id) => (id === "big" ? { perSecond: 100, burst: 100 } : id === "free" ? null : undefined),
      maxBuckets: 100,
      recordUsage: false,
      now: () => 0,
    });
    expect(limiter.take("tenant", "small", 1)?.allowed).toBe(true);
    expect(limiter.take("tenant", "small", 1)?.allowed).toBe(false);
    for (let i = 0; i < 100; i++) expect(limiter.take("tenant", "big", 1)?.allowed).toBe(true);
    expect(limiter.take("tenant", "free", 1_000)).toBeNull();
    expect(limiter.policy("tenant", "big")).toEqual({ perSecond: 100, burst: 100 });
  });
});
