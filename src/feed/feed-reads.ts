import type { Logger } from "pino";
import type { FeedHead } from "../domain/feed-event.js";
import type { FeedStore } from "../store/feed-store.js";
import type { ReadOptions, ReadQueue } from "./read-queue.js";

/** Stored events after a seq, as FeedStore.eventsAfter returns them. */
export type EventsPage = Awaited<ReturnType<FeedStore["eventsAfter"]>>;

/** The live feed's reads of Postgres, as Subscribe streams and the hub make them. */
export interface FeedReads {
  /** One user's head (null without a feed); opening streams read theirs together, in one query. */
  head(userId: string, options: ReadOptions): Promise<FeedHead | null>;
  /** The heads of many users in one query (the hub's heartbeat). */
  heads(userIds: string[]): Promise<Map<string, FeedHead>>;
  /** A user's events after `after`; streams of one user at the same point share one query. */
  eventsAfter(userId: string, after: number, limit: number, options: ReadOptions): Promise<EventsPage>;
}

export interface FeedReadsOptions {
  store: Pick<FeedStore, "heads" | "eventsAfter">;
  queue: ReadQueue;
  logger: Logger;
  /** Most users one head query reads; default 1000. */
  headBatch?: number;
  /** Least time between two warnings about failed or refused reads; default 10 s. */
  warnEveryMs?: number;
}

/**
 * Every feed read goes through one bounded queue (see read-queue.ts), so ten
 * thousand streams catching up at once, or a flood of Subscribe opens, take a
 * few pooled connections instead of all of them; and reads are shared: heads
 * of users opening streams meanwhile are read in one query, and streams of one
 * user at the same seq read their events once.
 */
export function createFeedReads(options: FeedReadsOptions): FeedReads {
  const { store, queue } = options;
  const headBatch = options.headBatch ?? 1000;
  const warn = throttledWarning(options.logger, options.warnEveryMs ?? 10_000);

  // The head batch still waiting for a slot: new callers join it until it starts or fills.
  let batch: { key: string; users: Set<string>; start: () => Promise<Map<string, FeedHead>> } | null = null;
  let batches = 0;
  const openBatch = () => {
    const users = new Set<string>();
    const current = {
      key: `heads:${++batches}`,
      users,
      start: () => {
        if (batch === current) batch = null;
        return store.heads([...users]);
      },
    };
    batch = current;
    return current;
  };

  let ticks = 0;
  const observed = <T>(read: Promise<T>, signal?: AbortSignal): Promise<T> =>
    read.catch((error: unknown) => {
      if (signal?.aborted !== true) warn(error); // a caller that left is no failure
      throw error;
    });

  return {
    head(userId, o) {
      const current = batch !== null && batch.users.size < headBatch ? batch : openBatch();
      current.users.add(userId);
      const read = queue.read(current.key, current.start, o);
      return observed(read, o.signal).then((heads) => heads.get(userId) ?? null);
    },
    heads: (userIds) => observed(queue.read(`tick:${++ticks}`, () => store.heads(userIds), { shed: false })),
    eventsAfter: (userId, after, limit, o) =>
      observed(
        queue.read(`events:${after}:${limit}:${userId}`, () => store.eventsAfter(userId, after, limit), o),
        o.signal,
      ),
  };
}

/** Logs failed and refused reads at most once per `everyMs`, with how many there were meanwhile. */
function throttledWarning(logger: Logger, everyMs: number) {
  let last = 0;
  let failed = 0;
  return (error: unknown) => {
    failed += 1;
    const now = Date.now();
    if (now - last < everyMs) return;
    logger.warn(
      { err: error, failed },
      "live-feed reads failed or refused; open streams retry at their next heartbeat",
    );
    last = now;
    failed = 0;
  };
}
