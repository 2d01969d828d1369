import type { Logger } from "pino";
import type { NatsLink } from "../messaging/nats.js";
import type { Queryable } from "../store/database.js";
import { feedLog } from "../store/feed-log.js";
import type { Metrics } from "../telemetry/metrics.js";
import { createFeedHub } from "./feed-hub.js";
import { createFeedPublisher } from "./feed-publisher.js";
import { createFeedReads } from "./feed-reads.js";
import { createReadQueue } from "./read-queue.js";

export interface FeedOptions {
  /** Where the feed is read (the pool). */
  db: Queryable;
  link: NatsLink;
  prefix: string;
  heartbeatMs: number;
  /** Most Subscribe streams one user may hold open in this process. */
  maxStreamsPerUser: number;
  /** Most Subscribe streams this process holds open. */
  maxStreams: number;
  /** Feed reads of Postgres running at once. */
  readConcurrency: number;
  /** Feed reads that may wait; beyond, new Subscribes are refused. */
  readQueueMax: number;
  /** How long events are kept for resuming streams. */
  retentionDays: number;
  metrics: Metrics;
  logger: Logger;
}

/**
 * The live feed wing: the hub that fans events out to this process's
 * Subscribe streams, the bounded reads that replay and catch up from the feed
 * log, the publisher that tells every process about committed events, and the
 * pruning of old events.
 */
export function createFeed(options: FeedOptions) {
  const { logger } = options;
  const queue = createReadQueue({ concurrency: options.readConcurrency, maxWaiting: options.readQueueMax });
  const reads = createFeedReads({ db: options.db, queue, logger });
  const hub = createFeedHub({
    nc: options.link.ready,
    prefix: options.prefix,
    heads: (owners) => reads.heads(owners),
    heartbeatMs: options.heartbeatMs,
    maxPerUser: options.maxStreamsPerUser,
    maxTotal: options.maxStreams,
    logger,
  });
  const publish = createFeedPublisher({ nc: options.link.current, prefix: options.prefix, logger });
  options.metrics.gauge("herald_feed_streams_open", "Subscribe streams open in this process.", () => hub.size());
  options.metrics.gauge(
    "herald_feed_reads_waiting",
    "Live-feed Postgres reads waiting for one of FEED_READ_CONCURRENCY slots.",
    () => queue.stats().waiting,
  );
  return {
    hub,
    reads,
    publish,
    tasks: [
      {
        name: "prune-feed-events",
        everyMs: 3_600_000,
        run: async () => (await feedLog.prune(options.db, options.retentionDays)) > 0,
      },
    ],
    close: () => hub.close(),
  };
}

export type Feed = ReturnType<typeof createFeed>;
