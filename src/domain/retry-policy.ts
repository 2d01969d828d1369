/**
 * When to try a transiently failed delivery again. The schedule lists the
 * waits before retries 1, 2, 3...; attempts beyond its length are not made.
 * Each wait gets up to ±20% jitter, so deliveries that failed together (a
 * provider outage) do not come back all at once, and a provider's Retry-After
 * is a floor.
 */
export function createRetryPolicy(scheduleMs: readonly number[], random: () => number = Math.random) {
  return {
    /** Attempts a delivery gets before it is dead. */
    maxAttempts: scheduleMs.length + 1,

    /** The wait after the `attempt`-th failure (1-based), or null when attempts are used up. */
    delayAfter(attempt: number, retryAfterMs?: number): number | null {
      const base = scheduleMs[attempt - 1];
      if (base === undefined) return null;
      const jittered = Math.round(base * (0.8 + 0.4 * random()));
      return Math.max(jittered, retryAfterMs ?? 0);
    },
  };
}

export type RetryPolicy = ReturnType<typeof createRetryPolicy>;
