import type { EnvReader } from "./env.js";

/** The live feed: heartbeats, retention, and what streams may make a process hold. */
export interface FeedConfig {
  heartbeatMs: number;
  /** How long events are kept for resuming streams. */
  retentionDays: number;
  maxStreamsPerUser: number;
  maxStreams: number;
  /** Feed reads of Postgres at once; below the pool's size, so List and Send keep connections. */
  readConcurrency: number;
  /** Feed reads that may wait; beyond, new Subscribes are refused. */
  readQueueMax: number;
  /** Pause between rounds of the snooze-return and expiry sweeps when idle. */
  timersIntervalMs: number;
  /** Most notifications one sweep round takes (in one transaction). */
  timersBatch: number;
}

export function readFeed(env: EnvReader, poolMax: number): FeedConfig {
  // Feed reads must leave connections to List, Send and the workers.
  const defaultConcurrency = Math.max(1, Math.min(3, Math.floor(poolMax / 3)));
  const readConcurrency = env.int("FEED_READ_CONCURRENCY", defaultConcurrency, 1, 1000);
  if (readConcurrency >= poolMax) {
    env.problems.push(
      `FEED_READ_CONCURRENCY must be below DATABASE_POOL_MAX (${poolMax}), got ${readConcurrency}: feed reads would take every connection`,
    );
  }
  return {
    heartbeatMs: env.int("FEED_HEARTBEAT_INTERVAL_MS", 15_000, 100, 300_000),
    retentionDays: env.int("FEED_RETENTION_DAYS", 30, 1, 3650),
    maxStreamsPerUser: env.int("FEED_MAX_STREAMS_PER_USER", 32, 1, 100_000),
    maxStreams: env.int("FEED_MAX_STREAMS", 20_000, 1, 10_000_000),
    readConcurrency,
    readQueueMax: env.int("FEED_READ_QUEUE_MAX", 2_000, 1, 1_000_000),
    timersIntervalMs: env.int("INBOX_TIMERS_INTERVAL_MS", 1_000, 50, 60_000),
    timersBatch: env.int("INBOX_TIMERS_BATCH", 500, 1, 10_000),
  };
}
