import { v7 as uuidv7 } from "uuid";
import type { Queryable } from "./database.js";

/** An open digest, locked by the transaction that read it. */
export interface OpenDigest {
  id: string;
  ownerRunId: string;
  notificationIds: string[];
  maxCount: number;
  closesAt: Date;
}

/** Where a digest is kept: one recipient, workflow, key and digest step. */
export interface DigestScope {
  userId: string;
  workflowKey: string;
  digestKey: string;
  stepIndex: number;
}

/** Most notifications one digest holds (the contract's max_count bound): the next opens a new digest. */
export const digestCapacity = 1000;

/**
 * Digests of workflow runs: the only writer of workflow_digests. At most one
 * digest per scope is open (a unique partial index), so two first
 * notifications racing each other end up in one digest. Digests are per
 * tenant: every call names the run's tenant.
 */
export const workflowDigestStore = {
  /** The open digest of a scope, row-locked (waiting for a transaction closing it), or null. */
  async lockOpen(q: Queryable, tenantId: string, s: DigestScope): Promise<OpenDigest | null> {
    const [row] = await q.rows<DigestRow>(
      `SELECT id, owner_run_id, notification_ids, max_count, closes_at FROM workflow_digests
       WHERE tenant_id = $5 AND user_id = $1 AND workflow_key = $2 AND digest_key = $3 AND step_index = $4
         AND closed_at IS NULL
       FOR UPDATE`,
      [s.userId, s.workflowKey, s.digestKey, s.stepIndex, tenantId],
    );
    return row === undefined ? null : toDigest(row);
  },

  /**
   * Opens a digest with its first notification, owned by that notification's
   * run; null if another transaction opened one for the scope meanwhile.
   */
  async open(
    q: Queryable,
    tenantId: string,
    s: DigestScope,
    first: { runId: string; notificationId: string },
    maxCount: number,
    closesAt: Date,
    now: Date,
  ): Promise<OpenDigest | null> {
    const [row] = await q.rows<DigestRow>(
      `INSERT INTO workflow_digests (tenant_id, id, user_id, workflow_key, digest_key, step_index, owner_run_id,
         notification_ids, max_count, closes_at, created_at)
       VALUES ($11, $1, $2, $3, $4, $5, $6, ARRAY[$7::uuid], $8, $9, $10)
       ON CONFLICT (tenant_id, user_id, workflow_key, digest_key, step_index) WHERE closed_at IS NULL DO NOTHING
       RETURNING id, owner_run_id, notification_ids, max_count, closes_at`,
      [
        uuidv7(),
        s.userId,
        s.workflowKey,
        s.digestKey,
        s.stepIndex,
        first.runId,
        first.notificationId,
        maxCount,
        closesAt,
        now,
        tenantId,
      ],
    );
    return row === undefined ? null : toDigest(row);
  },

  /** Adds a notification to a locked open digest; closes it when `close`. */
  async join(
    q: Queryable,
    tenantId: string,
    digestId: string,
    notificationId: string,
    close: Date | null,
  ): Promise<void> {
    await q.exec(
      `UPDATE workflow_digests SET notification_ids = array_append(notification_ids, $2::uuid),
         closed_at = coalesce($3, closed_at) WHERE tenant_id = $4 AND id = $1`,
      [digestId, notificationId, close, tenantId],
    );
  },

  /** What a digest collected, in arrival order (empty if it is gone). */
  async notificationsOf(q: Queryable, tenantId: string, digestId: string): Promise<string[]> {
    const [row] = await q.rows<{ notification_ids: string[] }>(
      "SELECT notification_ids FROM workflow_digests WHERE tenant_id = $2 AND id = $1",
      [digestId, tenantId],
    );
    return row?.notification_ids ?? [];
  },

  /** Closes a digest (its window ended) and returns what it collected, in arrival order. */
  async close(q: Queryable, tenantId: string, digestId: string, now: Date): Promise<string[]> {
    const [row] = await q.rows<{ notification_ids: string[] }>(
      `UPDATE workflow_digests SET closed_at = coalesce(closed_at, $2) WHERE tenant_id = $3 AND id = $1
       RETURNING notification_ids`,
      [digestId, now, tenantId],
    );
    return row?.notification_ids ?? [];
  },
};

interface DigestRow {
  id: string;
  owner_run_id: string;
  notification_ids: string[];
  max_count: number;
  closes_at: Date;
}

function toDigest(r: DigestRow): OpenDigest {
  return {
    id: r.id,
    ownerRunId: r.owner_run_id,
    notificationIds: r.notification_ids,
    maxCount: r.max_count,
    closesAt: r.closes_at,
  };
}
