import { UnavailableError } from "../domain/errors.js";
import type { FeedEvent } from "../domain/feed-event.js";
import type { Queryable } from "./database.js";
import { type SendWrite, sendStore, sendWriteRows } from "./send-store.js";

export interface SendBatcherOptions {
  /** Where batches are written: the pool (each batch is a statement of its own). */
  db: Queryable;
  /** Most Sends in one statement. */
  maxSends: number;
  /** Most rows (notifications, deliveries, outbox entries) in one statement; a larger Send is written alone. */
  maxRows: number;
  /** Most statements in flight at once; Sends that arrive while all are busy wait for the next. */
  maxInFlight: number;
  /** Hears the number of Sends in each statement written (metrics). */
  onBatch?: (sends: number) => void;
}

interface Pending {
  write: SendWrite;
  rows: number;
  resolve: (events: FeedEvent[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for Sends that need no transaction of their own: concurrent
 * Sends are written together, in one statement and one commit, and each
 * caller gets its own feed events or its own error. There is no timer: a Send
 * that finds a statement slot free is written at once (no added wait when
 * idle); Sends that arrive while `maxInFlight` statements are running queue,
 * and the next free slot takes everything queued (up to the caps), so batches
 * grow with the load.
 *
 * A batch never holds two Sends that put a notification in the same user's
 * inbox (the feed log numbers one new notification per user per statement):
 * the later one waits for a following batch, whose statement waits on the
 * user's feed head until the first commits, so seqs follow commit order.
 * When a batch's statement fails, its Sends are written one by one, so only
 * the bad one fails, with the error it would get alone.
 */
export function createSendBatcher(options: SendBatcherOptions) {
  const { db, maxSends, maxRows, maxInFlight, onBatch } = options;
  const queue: Pending[] = [];
  let inFlight = 0;

  /** The next batch: queued Sends in order, skipping those whose inbox users are taken. */
  const take = (): Pending[] => {
    const batch: Pending[] = [];
    const users = new Set<string>();
    let rows = 0;
    for (let i = 0; i < queue.length && batch.length < maxSends; ) {
      const p = queue[i] as Pending;
      if (batch.length > 0 && rows + p.rows > maxRows) break;
      const clash = p.write.inbox.some((n) => users.has(n.userId));
      // A skipped Send's users stay taken too: a user's Sends keep their order.
      for (const n of p.write.inbox) users.add(n.userId);
      if (clash) {
        i++;
        continue;
      }
      batch.push(p);
      rows += p.rows;
      queue.splice(i, 1);
    }
    return batch;
  };

  const pump = () => {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = take();
      inFlight++;
      void run(batch).finally(() => {
        inFlight--;
        pump();
      });
    }
  };

  const writeAlone = async (p: Pending) => {
    onBatch?.(1);
    try {
      p.resolve(await sendStore.write(db, p.write));
    } catch (error) {
      p.reject(error);
    }
  };

  const run = async (batch: Pending[]) => {
    if (batch.length === 1) return writeAlone(batch[0] as Pending);
    let results: FeedEvent[][];
    try {
      onBatch?.(batch.length);
      results = await sendStore.writeMany(
        db,
        batch.map((p) => p.write),
      );
    } catch (error) {
      // Postgres out of reach fails every Send alike; anything else may be
      // one bad Send, found by writing each alone.
      if (error instanceof UnavailableError) for (const p of batch) p.reject(error);
      else await Promise.all(batch.map(writeAlone));
      return;
    }
    for (const [i, p] of batch.entries()) p.resolve(results[i] as FeedEvent[]);
  };

  return {
    /** Writes one Send, with others if they come together; resolves once it is committed. */
    write(write: SendWrite): Promise<FeedEvent[]> {
      const rows = sendWriteRows(write);
      // A Send that fills a batch by itself gains nothing from waiting for a slot.
      if (rows >= maxRows) {
        onBatch?.(1);
        return sendStore.write(db, write);
      }
      return new Promise((resolve, reject) => {
        queue.push({ write, rows, resolve, reject });
        pump();
      });
    },
  };
}

export type SendBatcher = ReturnType<typeof createSendBatcher>;
