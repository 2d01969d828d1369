import type { EnvReader } from "./env.js";

/** How each process fires workflow timers. */
export interface WorkflowsConfig {
  /** Timers claimed per transaction (WORKFLOW_TIMER_BATCH). */
  timerBatch: number;
  /** Firing rounds side by side in each process (WORKFLOW_TIMER_CONCURRENCY); each holds one connection while it runs. */
  timerConcurrency: number;
  /** Pause between rounds that found nothing due (WORKFLOW_TIMER_INTERVAL_MS): the most a timer fires late when idle. */
  timerIntervalMs: number;
  /** Wait before a timer whose firing failed unexpectedly is tried again (WORKFLOW_TIMER_RETRY_MS). */
  timerRetryMs: number;
  /**
   * How long a process trusts its copy of the category patterns workflows
   * claim without news of a change (WORKFLOW_PATTERNS_TTL_MS): changes are
   * broadcast at once; this bounds staleness when a broadcast is lost.
   */
  patternsTtlMs: number;
}

export function readWorkflows(env: EnvReader, poolMax: number): WorkflowsConfig {
  const timerConcurrency = env.int(
    "WORKFLOW_TIMER_CONCURRENCY",
    Math.max(1, Math.min(2, Math.floor(poolMax / 4))),
    1,
    64,
  );
  if (timerConcurrency >= poolMax) {
    env.problems.push(
      `WORKFLOW_TIMER_CONCURRENCY must be below DATABASE_POOL_MAX (${poolMax}), got ${timerConcurrency}: firing would take every connection`,
    );
  }
  return {
    timerBatch: env.int("WORKFLOW_TIMER_BATCH", 100, 1, 10_000),
    timerConcurrency,
    timerIntervalMs: env.int("WORKFLOW_TIMER_INTERVAL_MS", 1_000, 10, 600_000),
    timerRetryMs: env.int("WORKFLOW_TIMER_RETRY_MS", 30_000, 100, 3_600_000),
    patternsTtlMs: env.int("WORKFLOW_PATTERNS_TTL_MS", 5_000, 0, 3_600_000),
  };
}
