import type { EnvReader } from "./env.js";

/** Group commit of Sends (store/send-batcher.ts), and what SendBatch and SendStream may hold. */
export interface SendConfig {
  /** Whether concurrent Sends without an idempotency key or workflow share statements and commits. */
  groupCommit: boolean;
  /** Most Sends in one statement. */
  maxSends: number;
  /** Most rows (notifications, deliveries, outbox entries) in one statement. */
  maxRows: number;
  /** Most Send statements in flight at once per process; each holds a Postgres connection. */
  maxInFlight: number;
  /** Items of one SendBatch or SendStream sent at once. */
  streamWindow: number;
  /** SendStreams one API key (or operator) may hold open in a process, and all of them together. */
  maxStreamsPerSender: number;
  maxStreams: number;
  /** A SendStream idle this long ends with DEADLINE_EXCEEDED. */
  streamIdleMs: number;
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
    streamWindow: env.int("SEND_STREAM_WINDOW", 32, 1, 1000),
    maxStreamsPerSender: env.int("SEND_STREAMS_PER_KEY", 8, 1, 10_000),
    maxStreams: env.int("SEND_STREAMS_MAX", 256, 1, 100_000),
    streamIdleMs: env.int("SEND_STREAM_IDLE_TIMEOUT_MS", 300_000, 1_000, 3_600_000),
  };
}
