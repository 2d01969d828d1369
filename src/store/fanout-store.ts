import type { Queryable } from "./database.js";

export type FanoutState = "planning" | "running" | "done" | "canceled";

/** A fan-out as stored: the Send (without recipients) and its audience. */
export interface FanoutRecord {
  id: string;
  /** The tenant of the sender: the audience is its topics' members or recipients, and chunks are sent in it. */
  tenantId: string;
  senderKeyId: string;
  /** The draft, as JSON (NotificationDraft without user ids; sendAt as an ISO string). */
  request: Record<string, unknown>;
  topics: string[];
  userIds: string[];
  excludeUserIds: string[];
  broadcast: boolean;
  snapshotSeq: number;
  snapshotAt: Date;
  state: FanoutState;
  planAfter: string;
  chunks: number;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface NewFanout {
  id: string;
  tenantId: string;
  senderKeyId: string;
  request: Record<string, unknown>;
  topics: readonly string[];
  userIds: readonly string[];
  excludeUserIds: readonly string[];
  broadcast: boolean;
  snapshotSeq: number;
  idempotencyKey: string | null;
  requestHash: Buffer | null;
}

interface FanoutRow {
  id: string;
  tenant_id: string;
  sender_key_id: string;
  request: Record<string, unknown>;
  topics: string[];
  user_ids: string[];
  exclude_user_ids: string[];
  broadcast: boolean;
  snapshot_seq: string;
  snapshot_at: Date;
  state: FanoutState;
  plan_after: string;
  chunks: number;
  created_at: Date;
  finished_at: Date | null;
}

const toRecord = (r: FanoutRow): FanoutRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  senderKeyId: r.sender_key_id,
  request: r.request,
  topics: r.topics,
  userIds: r.user_ids,
  excludeUserIds: r.exclude_user_ids,
  broadcast: r.broadcast,
  snapshotSeq: Number(r.snapshot_seq),
  snapshotAt: r.snapshot_at,
  state: r.state,
  planAfter: r.plan_after,
  chunks: r.chunks,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

/**
 * Fan-outs (migration 0012): their audience, planning cursor and chunks. Each
 * belongs to its sender's tenant; every function but the background ones that
 * pick fan-outs of all tenants (claimPlanning, prune) works inside one.
 */
export const fanoutStore = {
  /**
   * Records a fan-out, or returns the one recorded before under the same
   * sender and idempotency key (with its request hash, for the caller to
   * compare).
   */
  async create(q: Queryable, f: NewFanout): Promise<{ id: string; requestHash: Buffer | null; created: boolean }> {
    const rows = await q.rows<{ id: string; request_hash: Buffer | null; created: boolean }>(
      `WITH ins AS (
         INSERT INTO fanouts (id, tenant_id, sender_key_id, request, topics, user_ids, exclude_user_ids, broadcast,
                              snapshot_seq, snapshot_at, state, idempotency_key, request_hash)
         VALUES ($1, $11, $2, $3, $4, $5, $6, $7, $8, now(), 'planning', $9, $10)
         ON CONFLICT (sender_key_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
         RETURNING id, request_hash, true AS created)
       SELECT * FROM ins
       UNION ALL
       SELECT id, request_hash, false FROM fanouts
       WHERE tenant_id = $11 AND sender_key_id = $2 AND idempotency_key = $9 AND NOT EXISTS (SELECT 1 FROM ins)`,
      [
        f.id,
        f.senderKeyId,
        JSON.stringify(f.request),
        f.topics,
        f.userIds,
        f.excludeUserIds,
        f.broadcast,
        f.snapshotSeq,
        f.idempotencyKey,
        f.requestHash,
        f.tenantId,
      ],
    );
    const row = rows[0];
    if (row === undefined) throw new Error("fan-out neither inserted nor found");
    return { id: row.id, requestHash: row.request_hash, created: row.created };
  },

  /** The fan-out a sender recorded under an idempotency key, with its request's hash. */
  async byKey(
    q: Queryable,
    tenantId: string,
    senderKeyId: string,
    key: string,
  ): Promise<{ id: string; requestHash: Buffer | null } | null> {
    const [row] = await q.rows<{ id: string; request_hash: Buffer | null }>(
      "SELECT id, request_hash FROM fanouts WHERE tenant_id = $3 AND sender_key_id = $1 AND idempotency_key = $2",
      [senderKeyId, key, tenantId],
    );
    return row === undefined ? null : { id: row.id, requestHash: row.request_hash };
  },

  /** Fan-outs of this sender (a key or operator of the tenant) still planning or running. */
  async inFlight(q: Queryable, tenantId: string, senderKeyId: string): Promise<number> {
    const [row] = await q.rows<{ n: number }>(
      `SELECT count(*)::int AS n FROM fanouts
       WHERE tenant_id = $2 AND sender_key_id = $1 AND state IN ('planning', 'running')`,
      [senderKeyId, tenantId],
    );
    return row?.n ?? 0;
  },

  /** Fan-outs of the tenant, of every sender, still planning or running. */
  async inFlightOfTenant(q: Queryable, tenantId: string): Promise<number> {
    const [row] = await q.rows<{ n: number }>(
      "SELECT count(*)::int AS n FROM fanouts WHERE tenant_id = $1 AND state IN ('planning', 'running')",
      [tenantId],
    );
    return row?.n ?? 0;
  },

  /** A fan-out of the tenant; another tenant's id is null, as an unknown one. */
  async get(q: Queryable, tenantId: string, id: string): Promise<FanoutRecord | null> {
    const [row] = await q.rows<FanoutRow>("SELECT * FROM fanouts WHERE tenant_id = $2 AND id = $1", [id, tenantId]);
    return row === undefined ? null : toRecord(row);
  },

  /** The oldest fan-out still planning (of any tenant) that no other planner holds, locked for the transaction. */
  async claimPlanning(tx: Queryable): Promise<FanoutRecord | null> {
    const [row] = await tx.rows<FanoutRow>(
      `SELECT * FROM fanouts WHERE state = 'planning' ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
    );
    return row === undefined ? null : toRecord(row);
  },

  /** Adds chunks (numbered from `first`) and moves the planning cursor; `finished` ends planning. */
  async addChunks(
    tx: Queryable,
    tenantId: string,
    fanoutId: string,
    first: number,
    chunks: ReadonlyArray<readonly string[]>,
    planAfter: string,
    finished: boolean,
  ): Promise<void> {
    if (chunks.length > 0) {
      await tx.exec(
        `INSERT INTO fanout_chunks (fanout_id, chunk, user_ids, planned)
         SELECT $1, $2 + c.ord - 1, ARRAY(SELECT jsonb_array_elements_text(c.ids)), jsonb_array_length(c.ids)
         FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS c(ids, ord)`,
        [fanoutId, first, JSON.stringify(chunks)],
      );
    }
    await tx.exec(
      `UPDATE fanouts SET plan_after = $2, chunks = chunks + $3,
         state = CASE WHEN $4 THEN 'running' ELSE state END
       WHERE tenant_id = $5 AND id = $1`,
      [fanoutId, planAfter, chunks.length, finished, tenantId],
    );
  },

  /** Marks a running fan-out done once no chunk is pending. */
  async finishIfDone(q: Queryable, tenantId: string, fanoutId: string): Promise<void> {
    await q.exec(
      `UPDATE fanouts SET state = 'done', finished_at = now()
       WHERE tenant_id = $2 AND id = $1 AND state = 'running'
         AND NOT EXISTS (SELECT 1 FROM fanout_chunks WHERE fanout_id = $1 AND state = 'pending')`,
      [fanoutId, tenantId],
    );
  },

  /** Cancels a fan-out still planning or running, and its pending chunks; false when it had ended. */
  async cancel(tx: Queryable, tenantId: string, fanoutId: string): Promise<boolean> {
    const changed = await tx.exec(
      `UPDATE fanouts SET state = 'canceled', finished_at = now()
       WHERE tenant_id = $2 AND id = $1 AND state IN ('planning', 'running')`,
      [fanoutId, tenantId],
    );
    if (changed === 0) return false;
    await tx.exec(
      `UPDATE fanout_chunks SET state = 'canceled', user_ids = NULL, settled_at = now()
       WHERE fanout_id = $1 AND state = 'pending'`,
      [fanoutId],
    );
    return true;
  },

  /** Deletes fan-outs (of every tenant) that ended before `before` (their chunks go with them). */
  async prune(q: Queryable, before: Date, limit: number): Promise<number> {
    return q.exec(
      `DELETE FROM fanouts WHERE id IN (
         SELECT id FROM fanouts WHERE state IN ('done', 'canceled') AND finished_at < $1 LIMIT $2)`,
      [before, limit],
    );
  },
};
