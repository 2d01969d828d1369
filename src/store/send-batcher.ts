import { UnavailableError } from "../domain/errors.js";
import type { FeedEvent } from "../domain/feed-event.js";
import type { Database } from "./database.js";
import { type IdempotencyClaim, idempotencyStore, type KeyClaim } from "./idempotency-store.js";
import { type SendWrite, sendStore, sendWriteRows } from "./send-store.js";

export interface SendBatcherOptions {
  /** Where batches are written: the pool (a batch without idempotency keys is a statement of its own). */
  db: Database;
  /** Most Sends in one statement. */
  maxSends: number;
  /** Most rows (notifications, deliveries, outbox entries) in one statement; a larger Send is written alone. */
  maxRows: number;
  /** Most statements in flight at once; Sends that arrive while all are busy wait for the next. */
  maxInFlight: number;
  /** Hears the number of Sends in each statement written (metrics). */
  onBatch?: (sends: number) => void;
}

/** How a Send's write ended: its feed events, or the earlier Send its idempotency key already names. */
export type SendOutcome =
  | { replayOf: null; events: FeedEvent[] }
  | { replayOf: Extract<IdempotencyClaim, { claimed: false }>; events: [] };

/** A Send's idempotency key, and the notifications it will name if the Send is written. */
export type SendKey = KeyClaim & { notificationIds: string[] };

interface Pending {
  write: SendWrite;
  /** The Send's idempotency key, claimed in the batch's transaction; null for none. */
  claim: SendKey | null;
  rows: number;
  resolve: (outcome: SendOutcome) => void;
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
      const tokens = clashTokens(p);
      const clash = tokens.some((t) => users.has(t));
      // A skipped Send's users stay taken too: a user's Sends keep their order.
      for (const t of tokens) users.add(t);
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
      p.resolve((await writeBatch([p]))[0] as SendOutcome);
    } catch (error) {
      p.reject(error);
    }
  };

  const run = async (batch: Pending[]) => {
    if (batch.length === 1) return writeAlone(batch[0] as Pending);
    let outcomes: SendOutcome[];
    try {
      onBatch?.(batch.length);
      outcomes = await writeBatch(batch);
    } catch (error) {
      // Postgres out of reach fails every Send alike; anything else may be
      // one bad Send, found by writing each alone.
      if (error instanceof UnavailableError) for (const p of batch) p.reject(error);
      else await Promise.all(batch.map(writeAlone));
      return;
    }
    for (const [i, p] of batch.entries()) p.resolve(outcomes[i] as SendOutcome);
  };

  /**
   * One statement without idempotency keys; with keys, one transaction that
   * claims them all, writes the Sends whose keys were free, and records what
   * each created. A key already used answers its Send with the earlier one.
   */
  const writeBatch = async (batch: Pending[]): Promise<SendOutcome[]> => {
    if (batch.every((p) => p.claim === null)) {
      const events = await sendStore.writeMany(
        db,
        batch.map((p) => p.write),
      );
      return events.map((e) => ({ replayOf: null, events: e }));
    }
    return db.transaction(async (tx) => {
      const keyed = batch.filter((p) => p.claim !== null);
      const claims = await idempotencyStore.claimMany(
        tx,
        keyed.map((p) => p.claim as KeyClaim),
      );
      const replays = new Map(keyed.map((p, i) => [p, claims[i] as IdempotencyClaim]));
      const fresh = batch.filter((p) => replays.get(p)?.claimed !== false);
      const events =
        fresh.length === 0
          ? []
          : await sendStore.writeMany(
              tx,
              fresh.map((p) => p.write),
            );
      const done = fresh.filter((p) => p.claim !== null);
      if (done.length > 0) {
        await idempotencyStore.completeMany(
          tx,
          done.map((p) => p.claim as SendKey),
        );
      }
      const written = new Map(fresh.map((p, i) => [p, events[i] as FeedEvent[]]));
      return batch.map((p) => {
        const replay = replays.get(p);
        return replay !== undefined && !replay.claimed
          ? { replayOf: replay, events: [] }
          : { replayOf: null, events: written.get(p) as FeedEvent[] };
      });
    });
  };

  return {
    /**
     * Writes one Send, with others if they come together; resolves once it is
     * committed. With `claim`, the Send's idempotency key is claimed in the
     * same transaction, and a key already used resolves with the earlier Send.
     */
    write(write: SendWrite, claim: SendKey | null = null): Promise<SendOutcome> {
      return new Promise((resolve, reject) => {
        const p = { write, claim, rows: sendWriteRows(write), resolve, reject };
        // A Send that fills a batch by itself gains nothing from waiting for a slot.
        if (p.rows >= maxRows) void writeAlone(p);
        else {
          queue.push(p);
          pump();
        }
      });
    },
  };
}

/** What may not be twice in one batch: a user's inbox (the feed log), an idempotency key (one claim per statement). */
function clashTokens(p: Pending): string[] {
  const tokens = p.write.inbox.map((n) => `u:${n.userId}`);
  if (p.claim !== null) tokens.push(`k:${JSON.stringify([p.claim.apiKeyId, p.claim.key])}`);
  return tokens;
}

export type SendBatcher = ReturnType<typeof createSendBatcher>;
