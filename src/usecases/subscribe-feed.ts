import { InvalidArgumentError, UnavailableError } from "../domain/errors.js";
import type { FeedHead, FeedItem } from "../domain/feed-event.js";
import type { Principal } from "../domain/principal.js";
import type { FeedHub, HubSignal } from "../feed/feed-hub.js";
import type { FeedReads } from "../feed/feed-reads.js";
import { ReadQueueFullError } from "../feed/read-queue.js";
import { SignalQueue } from "../feed/signal-queue.js";
import { resolveUserId } from "./access.js";

export interface SubscribeDeps {
  /** Postgres reads, bounded and shared across streams (feed/feed-reads.ts). */
  feeds: Pick<FeedReads, "eventsAfter" | "head">;
  hub: Pick<FeedHub, "listen">;
  /** Live signals a slow stream may fall behind by before it re-reads Postgres. */
  bufferSize?: number;
  /**
   * Longest an open stream waits for one catch-up read before it sends its
   * heartbeat anyway and tries again at the next tick; the heartbeat interval.
   */
  catchUpWaitMs?: number;
}

// Events per read: catch-ups of many streams run as one query (feed-reads.ts), each up to this.
const replayBatch = 200;

/**
 * Subscribe: a user's feed as an async stream. The stream listens live first,
 * then replays from Postgres, then follows live events; every event carries its
 * seq, so it drops what it already sent and fills any hole from Postgres. That
 * is what makes "no gap, no duplicate" hold across processes and reconnects.
 *
 * Opening is admission: the first read may be refused when too many feed reads
 * wait (Unavailable: retry later). Once open, a stream is never ended by the
 * database: a catch-up that fails (say, no pooled connection in time) is tried
 * again at the next heartbeat tick, which finds the head still ahead.
 */
export function createSubscribeFeed(deps: SubscribeDeps) {
  return async function* subscribeFeed(
    principal: Principal,
    input: { userId: string; cursor: number | null },
    signal: AbortSignal,
  ): AsyncGenerator<FeedItem> {
    const userId = resolveUserId(principal, input.userId, "read", "subscribe to a feed");
    const queue = new SignalQueue<HubSignal>(deps.bufferSize ?? 1000);
    const { tenantId } = principal;
    const stopListening = deps.hub.listen(tenantId, userId, (s) =>
      s.type === "close" ? queue.close() : queue.push(s),
    );
    const leave = () => queue.close(); // one listener for the stream's life, none per wait
    if (signal.aborted) leave();
    else signal.addEventListener("abort", leave, { once: true });
    try {
      const head: FeedHead = (await openingHead(deps, tenantId, userId, signal)) ?? {
        seq: 0,
        unreadCount: 0,
        unseenCount: 0,
      };
      let last = head.seq;
      let unread = head.unreadCount;
      let unseen = head.unseenCount;
      let reset = false;

      /** Sends every stored event after `last`; notices when some were pruned. */
      async function* catchUp(target: FeedHead | null, wait = signal): AsyncGenerator<FeedItem> {
        for (;;) {
          const page = await deps.feeds.eventsAfter(tenantId, userId, last, replayBatch, { shed: false, signal: wait });
          const { events, firstSeq, lastSeq, more } = page;
          const pruned = firstSeq === null ? target !== null && target.seq > last : firstSeq > last + 1;
          if (pruned && target !== null) {
            // Events after the cursor are gone: jump to the head and say so.
            reset = true;
            last = target.seq;
            unread = target.unreadCount;
            unseen = target.unseenCount;
            return;
          }
          for (const event of events) {
            yield event;
            unread = event.unreadCount;
            unseen = event.unseenCount;
          }
          last = lastSeq;
          if (!more) return;
        }
      }

      if (input.cursor !== null) {
        if (input.cursor > head.seq) {
          throw new InvalidArgumentError(
            "cursor",
            "is ahead of this user's feed; was it taken from another user's stream?",
          );
        }
        last = input.cursor;
        yield* catchUp(head);
        // Replay ran to the head at least as of when it began: what came later is
        // either in the queue or picked up by the next tick.
      }
      yield { kind: "synced", seq: last, unreadCount: unread, unseenCount: unseen, time: new Date(), reset };

      /** A catch-up of an open stream: on failure it says so, and the next tick retries. */
      async function* tryCatchUp(target: FeedHead | null): AsyncGenerator<FeedItem, boolean> {
        // Its own signal, cleaned up after: the stream's signal lives as long as the stream.
        const wait = new AbortController();
        const leave = () => wait.abort(signal.reason);
        if (signal.aborted) leave();
        else signal.addEventListener("abort", leave, { once: true });
        const timer =
          deps.catchUpWaitMs === undefined
            ? undefined
            : setTimeout(
                () => wait.abort(new DOMException("catch-up waited too long", "TimeoutError")),
                deps.catchUpWaitMs,
              );
        try {
          yield* catchUp(target, wait.signal);
          return true;
        } catch (error) {
          if (signal.aborted) throw error;
          return false; // failures are logged by the reads; `last` still marks what was sent
        } finally {
          clearTimeout(timer);
          signal.removeEventListener("abort", leave);
        }
      }

      for (;;) {
        const next = await queue.next();
        if (next === null) return;
        if (next === "overflowed") {
          yield* tryCatchUp(null);
          continue;
        }
        if (next.type === "tick") {
          if (next.head !== null && next.head.seq > last) yield* tryCatchUp(next.head);
          yield { kind: "heartbeat", seq: last, unreadCount: unread, unseenCount: unseen, time: new Date() };
          continue;
        }
        if (next.type !== "event") continue;
        const event = next.event;
        if (event.seq <= last) continue; // already sent during a replay
        if (event.seq === last + 1) {
          yield event;
          last = event.seq;
          unread = event.unreadCount;
          unseen = event.unseenCount;
        } else {
          yield* tryCatchUp(null); // an earlier event is late or lost: Postgres has it
        }
      }
    } catch (error) {
      // A read the client left during ends with it; the handler reports the abort.
      if (signal.aborted) return;
      throw error;
    } finally {
      signal.removeEventListener("abort", leave);
      stopListening();
    }
  };
}

const headAttempts = 3;
const headRetryMs = 500;

/**
 * The head a stream opens at. A read the database could not serve (no pooled
 * connection in time on a saturated machine, a connection lost) is tried again
 * a few times before the open fails: the stream is already admitted, and its
 * client would only come back to try the same. A refusal by the read queue
 * (too many reads waiting) is admission control and fails at once.
 */
async function openingHead(
  deps: SubscribeDeps,
  tenantId: string,
  userId: string,
  signal: AbortSignal,
): Promise<FeedHead | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.feeds.head(tenantId, userId, { shed: true, signal });
    } catch (error) {
      const transient = error instanceof UnavailableError && !(error instanceof ReadQueueFullError);
      if (!transient || attempt >= headAttempts || signal.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, headRetryMs * attempt));
    }
  }
}
