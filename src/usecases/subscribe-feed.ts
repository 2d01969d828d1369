import { InvalidArgumentError } from "../domain/errors.js";
import type { FeedHead, FeedItem } from "../domain/feed-event.js";
import type { Principal } from "../domain/principal.js";
import type { FeedHub, HubSignal } from "../feed/feed-hub.js";
import { SignalQueue } from "../feed/signal-queue.js";
import type { FeedStore } from "../store/feed-store.js";
import { resolveUserId } from "./access.js";

export interface SubscribeDeps {
  feeds: Pick<FeedStore, "eventsAfter" | "heads">;
  hub: Pick<FeedHub, "listen">;
  /** Live signals a slow stream may fall behind by before it re-reads Postgres. */
  bufferSize?: number;
}

const replayBatch = 500;

/**
 * Subscribe: a user's feed as an async stream. The stream listens live first,
 * then replays from Postgres, then follows live events; every event carries its
 * seq, so it drops what it already sent and fills any hole from Postgres. That
 * is what makes "no gap, no duplicate" hold across processes and reconnects.
 */
export function createSubscribeFeed(deps: SubscribeDeps) {
  return async function* subscribeFeed(
    principal: Principal,
    input: { userId: string; cursor: number | null },
    signal: AbortSignal,
  ): AsyncGenerator<FeedItem> {
    const userId = resolveUserId(principal, input.userId, "read", "subscribe to a feed");
    const queue = new SignalQueue<HubSignal>(deps.bufferSize ?? 1000);
    const stopListening = deps.hub.listen(userId, (s) => (s.type === "close" ? queue.close() : queue.push(s)));
    try {
      const head: FeedHead = (await deps.feeds.heads([userId])).get(userId) ?? { seq: 0, unreadCount: 0 };
      let last = head.seq;
      let unread = head.unreadCount;
      let reset = false;

      /** Sends every stored event after `last`; notices when some were pruned. */
      async function* catchUp(target: FeedHead | null): AsyncGenerator<FeedItem> {
        for (;;) {
          const { events, firstSeq, lastSeq, more } = await deps.feeds.eventsAfter(userId, last, replayBatch);
          const pruned = firstSeq === null ? target !== null && target.seq > last : firstSeq > last + 1;
          if (pruned && target !== null) {
            // Events after the cursor are gone: jump to the head and say so.
            reset = true;
            last = target.seq;
            unread = target.unreadCount;
            return;
          }
          for (const event of events) {
            yield event;
            unread = event.unreadCount;
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
      yield { kind: "synced", seq: last, unreadCount: unread, time: new Date(), reset };

      for (;;) {
        const next = await queue.next(signal);
        if (next === null) return;
        if (next === "overflowed") {
          yield* catchUp(null);
          continue;
        }
        if (next.type === "tick") {
          if (next.head !== null && next.head.seq > last) yield* catchUp(next.head);
          yield { kind: "heartbeat", seq: last, unreadCount: unread, time: new Date() };
          continue;
        }
        if (next.type !== "event") continue;
        const event = next.event;
        if (event.seq <= last) continue; // already sent during a replay
        if (event.seq === last + 1) {
          yield event;
          last = event.seq;
          unread = event.unreadCount;
        } else {
          yield* catchUp(null); // an earlier event is late or lost: Postgres has it
        }
      }
    } finally {
      stopListening();
    }
  };
}
