import type { Logger } from "pino";
import type { FeedHead } from "../domain/feed-event.js";
import { userKey } from "../domain/tenant.js";
import type { Queryable } from "../store/database.js";
import { type EventsPage, type FeedOwner, feedLog } from "../store/feed-log.js";
import type { ReadOptions, ReadQueue } from "./read-queue.js";

/** The live feed's reads of Postgres, as Subscribe streams and the hub make them. */
export interface FeedReads {
  /** One user's head (null without a feed); streams opening meanwhile, of any tenants, read theirs in one query. */
  head(tenantId: string, userId: string, options: ReadOptions): Promise<FeedHead | null>;
  /** The heads of many users (of any tenants) in one query (the hub's heartbeat), keyed by userKey. */
  heads(owners: FeedOwner[]): Promise<Map<string, FeedHead>>;
  /** A user's events after `after`; streams catching up meanwhile read theirs in one query. */
  eventsAfter(
    tenantId: string,
    userId: string,
    after: number,
    limit: number,
    options: ReadOptions,
  ): Promise<EventsPage>;
}

export interface FeedReadsOptions {
  /** Where the feed is read (the pool). */
  db: Queryable;
  queue: ReadQueue;
  logger: Logger;
  /** Most users one head query reads; default 1000. */
  headBatch?: number;
  /** Most (user, seq) pairs one events query reads (each up to its limit); default 50. */
  eventsBatch?: number;
  /** Least time between two warnings about failed or refused reads; default 10 s. */
  warnEveryMs?: number;
}

/**
 * Every feed read goes through one bounded queue (see read-queue.ts), so ten
 * thousand streams catching up at once, or a flood of Subscribe opens, take a
 * few pooled connections instead of all of them. And reads are shared: the
 * requests that arrive while a read waits for its slot join it, and run as one
 * query when the slot frees (heads of every stream opening meanwhile; events
 * of every stream catching up meanwhile, each pair of user and seq once).
 */
export function createFeedReads(options: FeedReadsOptions): FeedReads {
  const { db, queue } = options;
  const warn = throttledWarning(options.logger, options.warnEveryMs ?? 10_000);
  const observed = <T>(read: Promise<T>, signal?: AbortSignal): Promise<T> =>
    read.catch((error: unknown) => {
      if (signal?.aborted !== true) warn(error); // a caller that left is no failure
      throw error;
    });

  const headReads = batching<FeedOwner, FeedHead | null>(queue, "heads", options.headBatch ?? 1000, async (owners) => {
    const heads = await feedLog.heads(db, owners);
    return owners.map((o) => heads.get(userKey(o.tenantId, o.userId)) ?? null);
  });
  const eventReads = new Map<number, ReturnType<typeof batching<FeedOwner & { after: number }, EventsPage>>>();
  const eventsBatch = options.eventsBatch ?? 50;
  let ticks = 0;

  return {
    head: (tenantId, userId, o) => observed(headReads(userKey(tenantId, userId), { tenantId, userId }, o), o.signal),
    heads: (owners) => observed(queue.read(`tick:${++ticks}`, () => feedLog.heads(db, owners), { shed: false })),
    eventsAfter(tenantId, userId, after, limit, o) {
      let reads = eventReads.get(limit);
      if (reads === undefined) {
        reads = batching(queue, `events:${limit}`, eventsBatch, (requests) =>
          feedLog.eventsAfterEach(db, requests, limit),
        );
        eventReads.set(limit, reads);
      }
      return observed(reads(`${after}:${userKey(tenantId, userId)}`, { tenantId, userId, after }, o), o.signal);
    },
  };
}

/**
 * Requests that join the batch still waiting for a slot (up to `max` distinct
 * keys) and are read together by `run`, which answers in the order given.
 */
function batching<Request, Answer>(
  queue: ReadQueue,
  name: string,
  max: number,
  run: (requests: Request[]) => Promise<Answer[]>,
) {
  let waiting: { key: string; requests: Map<string, Request>; start: () => Promise<Map<string, Answer>> } | null = null;
  let batches = 0;
  const open = () => {
    const requests = new Map<string, Request>();
    const batch = {
      key: `${name}:${++batches}`,
      requests,
      start: async () => {
        if (waiting === batch) waiting = null; // later requests start a batch of their own
        const keys = [...requests.keys()];
        const answers = await run([...requests.values()]);
        return new Map(keys.map((k, i) => [k, answers[i] as Answer]));
      },
    };
    waiting = batch;
    return batch;
  };
  return async (key: string, request: Request, o: ReadOptions): Promise<Answer> => {
    const batch = waiting !== null && (waiting.requests.has(key) || waiting.requests.size < max) ? waiting : open();
    batch.requests.set(key, request);
    return (await queue.read(batch.key, batch.start, o)).get(key) as Answer;
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
