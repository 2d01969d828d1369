import type { DeliveryJob } from "../domain/deliverer.js";
import type { ProviderReceipt } from "../domain/delivery-errors.js";
import { type AttemptWrite, type AttemptWriteResult, attemptStore, type Failure } from "./attempt-store.js";
import type { Queryable } from "./database.js";
import type { Lease } from "./delivery-store.js";
import { createGroupCommit } from "./group-commit.js";

export interface AttemptJournalOptions {
  /** Most leases and results written in one statement. Default 256. */
  maxBatch?: number;
  /** Told of each batch written, with its size. */
  onBatch?: (size: number) => void;
}

/** attemptStore's job read, lease and attempt records, each shared with other deliveries' in one statement. */
export interface AttemptJournal {
  job(deliveryId: string): Promise<DeliveryJob | null>;
  lease(deliveryId: string, leaseMs: number): Promise<Lease | null>;
  recordSent(deliveryId: string, lease: Lease, receipt: ProviderReceipt): Promise<boolean>;
  recordFailure(deliveryId: string, lease: Lease, failure: Failure): Promise<void>;
}

/**
 * The leases and attempt results of every delivery this process has in hand,
 * written in shared statements (group commit): a delivery's lease commits
 * with the results of others that finished meanwhile, its result with others'
 * leases, so under load a delivery costs far less than one commit where it
 * used to cost two.
 *
 * Why this is as safe as a statement (and commit) per write:
 * - Each member resolves only after the statement carrying it committed: a
 *   worker sends only once its lease is durable, and acks JetStream only once
 *   its result is. Nothing is reported done that a crash could undo.
 * - A member's effect is exactly that of its own statement: the same
 *   conditions (a lease only on a waiting delivery or an expired lease, a
 *   result only under the same attempt number while `sending`), evaluated on
 *   rows the statement has locked. Two members never name one delivery (a
 *   second waits for the next batch), so no row is changed twice in a statement.
 * - A worker killed between send and result leaves its lease committed: the
 *   redelivery finds it held, waits it out, records the abandoned attempt and
 *   sends again under the same Message-ID, as before. A worker killed with its
 *   lease still queued here never sent anything.
 * - Cancel and settle stay single statements on the same rows; the row lock
 *   orders them against a batch exactly as against a single write.
 * - A batch Postgres refuses wrote nothing (a statement is atomic); its members
 *   are then written one by one, so only the one at fault fails (its worker
 *   retries it as it would a failed write today).
 */
export function createAttemptJournal(q: Queryable, options: AttemptJournalOptions = {}): AttemptJournal {
  const group = createGroupCommit<AttemptWrite, AttemptWriteResult>({
    write: (batch) => attemptStore.write(q, batch),
    maxBatch: options.maxBatch ?? 256,
    keys: (w) => [w.deliveryId],
    gatherTurn: true,
    onBatch: options.onBatch,
  });
  // Reads go in batches of their own: a read waits for no write, and no write
  // for a read.
  const reads = createGroupCommit<string, DeliveryJob | null>({
    write: (ids) => attemptStore.jobs(q, ids),
    maxBatch: options.maxBatch ?? 256,
    keys: (id) => [id],
    gatherTurn: true,
  });
  return {
    job: (deliveryId) => reads.submit(deliveryId),
    lease: async (deliveryId, leaseMs) => (await group.submit({ kind: "lease", deliveryId, leaseMs })) as Lease | null,
    recordSent: async (deliveryId, lease, receipt) =>
      (await group.submit({ kind: "sent", deliveryId, lease, receipt })) === true,
    recordFailure: async (deliveryId, lease, failure) => {
      await group.submit({ kind: "failure", deliveryId, lease, failure });
    },
  };
}
