import { UnavailableError } from "../domain/errors.js";
import type { FeedEvent } from "../domain/feed-event.js";
import { userKey } from "../domain/tenant.js";
import type { Database } from "./database.js";
import { createGroupCommit } from "./group-commit.js";
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
}

/**
 * Group commit for Sends that need no transaction of their own
 * (group-commit.ts): concurrent Sends are written together, in one statement
 * and one commit, and each caller gets its own feed events or its own error.
 * A Send that finds a statement slot free is written at once (no added wait
 * when idle); Sends that arrive while `maxInFlight` statements are running
 * queue, and the next free slot takes everything queued (up to the caps), so
 * batches grow with the load.
 *
 * One batch may carry Sends of several tenants: each Send's rows are written
 * with its own tenant (SendWrite.tenantId), and "the same user" below means
 * the same user id of the same tenant.
 *
 * A batch never holds two Sends that put a notification in the same user's
 * inbox (the feed log numbers one new notification per user per statement):
 * the later one waits for a following batch, whose statement waits on the
 * user's feed head until the first commits, so seqs follow commit order.
 * When a batch's statement fails, its Sends are written one by one, so only
 * the bad one fails, with the error it would get alone; Postgres out of reach
 * fails them all alike.
 */
export function createSendBatcher(options: SendBatcherOptions) {
  const { db } = options;

  /**
   * One statement without idempotency keys; with keys, one transaction that
   * claims them all, writes the Sends whose keys were free, and records what
   * each created. A key already used answers its Send with the earlier one.
   */
  const writeBatch = async (batch: readonly Pending[]): Promise<SendOutcome[]> => {
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

  const group = createGroupCommit<Pending, SendOutcome>({
    write: writeBatch,
    maxBatch: options.maxSends,
    maxInFlight: options.maxInFlight,
    weight: (p) => sendWriteRows(p.write),
    maxWeight: options.maxRows,
    keys: clashKeys,
    failsAll: (error) => error instanceof UnavailableError,
    onBatch: options.onBatch,
  });

  return {
    /**
     * Writes one Send, with others if they come together; resolves once it is
     * committed. With `claim`, the Send's idempotency key is claimed in the
     * same transaction, and a key already used resolves with the earlier Send.
     */
    write: (write: SendWrite, claim: SendKey | null = null): Promise<SendOutcome> => group.submit({ write, claim }),
  };
}

/** What may not be twice in one batch: a user's inbox (the feed log; per tenant: the same id elsewhere is another user), an idempotency key (one claim per statement). */
function clashKeys(p: Pending): string[] {
  const keys = p.write.inbox.map((n) => `u:${userKey(p.write.tenantId, n.userId)}`);
  if (p.claim !== null) keys.push(`k:${JSON.stringify([p.claim.apiKeyId, p.claim.key])}`);
  return keys;
}

export type SendBatcher = ReturnType<typeof createSendBatcher>;
