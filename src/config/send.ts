import type { EnvReader } from "./env.js";

/** Group commit of Sends (store/send-batcher.ts). */
export interface SendConfig {
  /** Whether concurrent Sends without an idempotency key or workflow share statements and commits. */
  groupCommit: boolean;
  /** Most Sends in one statement. */
  maxSends: number;
  /** Most rows (notifications, deliveries, outbox entries) in one statement. */
  maxRows: number;
  /** Most Send statements in flight at once per process; each holds a Postgres connection. */
  maxInFlight: number;
}

export function readSend(env: EnvReader, poolMax: number): SendConfig {
  const maxInFlight = env.int("SEND_BATCHES_IN_FLIGHT", Math.max(1, Math.min(2, poolMax - 1)), 1, 1000);
  if (maxInFlight >= poolMax) {
    env.problems.push(
      `SEND_BATCHES_IN_FLIGHT must be below DATABASE_POOL_MAX (${poolMax}), got ${maxInFlight}: Sends would take every connection`,
    );
  }
  return {
    groupCommit: env.bool("SEND_GROUP_COMMIT", true),
    maxSends: env.int("SEND_BATCH_MAX_SENDS", 64, 1, 1000),
    maxRows: env.int("SEND_BATCH_MAX_ROWS", 2000, 1, 100_000),
    maxInFlight,
  };
}
