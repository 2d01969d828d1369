import type { EnvReader } from "./env.js";

/** The event log and WatchEvents: numbering, wake-ups, retention and what streams may hold. */
export interface EventsConfig {
  /** How long numbered events are kept for resuming WatchEvents. */
  retentionDays: number;
  /** Pause between sequencer rounds that found nothing to number: the most a live event waits for its number. */
  sequencerIntervalMs: number;
  /** Most events numbered in one sequencer transaction. */
  sequencerBatch: number;
  /** How often a process with open streams reads the head itself (a lost NATS wake-up costs at most this). */
  pollIntervalMs: number;
  /** Most WatchEvents streams one tenant may hold open in one process. */
  maxStreamsPerTenant: number;
  /** Events per WatchEvents read of Postgres. */
  pageSize: number;
}

export function readEvents(env: EnvReader): EventsConfig {
  return {
    retentionDays: env.int("EVENT_RETENTION_DAYS", 7, 1, 3650),
    sequencerIntervalMs: env.int("EVENT_SEQUENCER_INTERVAL_MS", 50, 10, 60_000),
    sequencerBatch: env.int("EVENT_SEQUENCER_BATCH", 5_000, 1, 100_000),
    pollIntervalMs: env.int("EVENT_POLL_INTERVAL_MS", 1_000, 50, 60_000),
    maxStreamsPerTenant: env.int("EVENT_MAX_STREAMS_PER_TENANT", 16, 1, 10_000),
    pageSize: env.int("EVENT_PAGE_SIZE", 500, 1, 10_000),
  };
}
