import { DeadlineExceededError, ResourceExhaustedError } from "../domain/errors.js";
import type { Notification, NotificationDraft } from "../domain/notification.js";
import { type Principal, senderIdOf } from "../domain/principal.js";
import { requireScope } from "./access.js";
import { orderedPool } from "./ordered-pool.js";

/** One item of a SendBatch or SendStream: a draft, or why its request was refused before it became one. */
export type SendItem<Ref = undefined> = ({ draft: NotificationDraft } | { refused: Error }) & { ref: Ref };

/** What one item came to: what Send returned, or what it failed with. */
export type SendOutcome<Ref = undefined> = (
  | { notifications: Notification[]; fanoutId: string }
  | { error: unknown }
) & {
  ref: Ref;
  index: number;
};

/** Waits until a stream's item may be sent (rate limits), or fails it. */
export type Admit = (draft: NotificationDraft) => Promise<void>;

export interface SendManyDeps {
  /** Send as the API offers it: to users now, or a fan-out (its id). */
  send: (
    principal: Principal,
    draft: NotificationDraft,
  ) => Promise<{ notifications: Notification[]; fanoutId: string }>;
  /** Items of one batch or stream worked on at once (concurrent Sends share commits: send-batcher). */
  window: number;
  /** SendStreams open at once: per sender (API key or operator), and in this process. */
  maxStreamsPerSender: number;
  maxStreams: number;
  /** A stream that sends no item for this long ends with DEADLINE_EXCEEDED. */
  streamIdleMs: number;
}

/**
 * SendBatch and SendStream: many Sends in one call, each answered with its
 * own result or error, in order. Each item is a Send in every respect (scope,
 * checks, idempotency key); a window of them runs at once, which is where the
 * throughput comes from: concurrent Sends share statements and commits.
 */
export function createSendMany(deps: SendManyDeps) {
  const open = new Map<string, number>();
  let total = 0;

  const one = async <Ref>(
    principal: Principal,
    item: SendItem<Ref>,
    index: number,
    admit?: Admit,
  ): Promise<SendOutcome<Ref>> => {
    if ("refused" in item) return { error: item.refused, ref: item.ref, index };
    try {
      await admit?.(item.draft);
      return { ...(await deps.send(principal, item.draft)), ref: item.ref, index };
    } catch (error) {
      return { error, ref: item.ref, index };
    }
  };

  /**
   * The work of one call's items. Items run concurrently, except those that
   * share an idempotency key: each waits for the one before it, so a key's
   * first item in call order is the one that sends, as if they came one by one.
   */
  const worker = <Ref>(principal: Principal, admit?: Admit) => {
    const lastByKey = new Map<string, Promise<unknown>>();
    return (item: SendItem<Ref>, index: number): Promise<SendOutcome<Ref>> => {
      const key = "draft" in item ? item.draft.idempotencyKey : "";
      if (key === "") return one(principal, item, index, admit);
      const before = lastByKey.get(key);
      const outcome =
        before === undefined
          ? one(principal, item, index, admit)
          : before.then(() => one(principal, item, index, admit));
      lastByKey.set(key, outcome);
      void outcome.then(() => {
        if (lastByKey.get(key) === outcome) lastByKey.delete(key);
      });
      return outcome;
    };
  };

  return {
    async batch(principal: Principal, items: ReadonlyArray<SendItem>): Promise<SendOutcome[]> {
      requireScope(principal, "send", "send notifications");
      const outcomes: SendOutcome[] = [];
      for await (const outcome of orderedPool(items, deps.window, worker<undefined>(principal))) {
        outcomes.push(outcome);
      }
      return outcomes;
    },

    /**
     * Answers a stream of items. The stream holds one of the sender's slots
     * from its first read to its end; reading stops while `window` items are
     * being sent, and an item the caller's `admit` makes wait (rate limits)
     * holds back the ones after it.
     */
    async *stream<Ref>(
      principal: Principal,
      items: AsyncIterable<SendItem<Ref>>,
      admit?: Admit,
    ): AsyncGenerator<SendOutcome<Ref>> {
      requireScope(principal, "send", "send notifications");
      const sender = senderIdOf(principal) ?? "";
      const held = open.get(sender) ?? 0;
      if (held >= deps.maxStreamsPerSender) {
        throw new ResourceExhaustedError(
          `this sender already has ${held} SendStreams open on this server (SEND_STREAMS_PER_KEY is ${deps.maxStreamsPerSender}); close one first`,
        );
      }
      if (total >= deps.maxStreams) {
        throw new ResourceExhaustedError(
          `this server has ${total} SendStreams open (SEND_STREAMS_MAX); try again later or use SendBatch`,
        );
      }
      open.set(sender, held + 1);
      total++;
      try {
        const input = idleLimited(items, deps.streamIdleMs);
        yield* orderedPool(input, deps.window, worker<Ref>(principal, admit));
      } finally {
        total--;
        const left = (open.get(sender) ?? 1) - 1;
        if (left === 0) open.delete(sender);
        else open.set(sender, left);
      }
    },

    /** SendStreams open in this process (for metrics). */
    openStreams: () => total,
  };
}

export type SendMany = ReturnType<typeof createSendMany>;

/** The items of `input`, failing with DEADLINE_EXCEEDED when the next one takes longer than `idleMs` to come. */
async function* idleLimited<T>(input: AsyncIterable<T>, idleMs: number): AsyncGenerator<T> {
  const it = input[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new DeadlineExceededError(
                `no request on this SendStream for ${idleMs} ms (SEND_STREAM_IDLE_TIMEOUT_MS); open a new stream to send more`,
              ),
            ),
          idleMs,
        );
      });
      try {
        const r = await Promise.race([it.next(), idle]);
        if (r.done) {
          finished = true;
          return;
        }
        yield r.value;
      } finally {
        clearTimeout(timer);
      }
    }
  } finally {
    if (!finished) it.return?.()?.catch(() => {});
  }
}
