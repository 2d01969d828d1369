import type { Queryable } from "./database.js";

/** A fan-out's progress: recipients by what became of their chunk. */
export interface FanoutProgress {
  planned: number;
  written: number;
  failed: number;
  canceled: number;
  error: string;
}

/**
 * A fan-out's chunks (migration 0012) once planned: their hand-over to
 * JetStream, their users while pending, how each was settled, and the
 * progress they add up to. Planning adds them (fanout-store.ts).
 */
export const fanoutChunkStore = {
  /**
   * The chunks to hand to JetStream now: of each fan-out still under way, the
   * next ones (in order) that keep its chunks published but not yet settled
   * at `perFanout` at most. JetStream then never holds more than `perFanout`
   * chunks of one fan-out, so a small fan-out's chunks queue behind a few of a
   * big one's, not behind all of them: consumers take fan-outs in turn.
   * A chunk published longer than `staleMs` ago and still pending counts as
   * lost (JetStream's copy purged, say) and goes out again: writing a chunk
   * twice is harmless, and a fan-out must not wait forever for it.
   */
  async toPublish(
    q: Queryable,
    perFanout: number,
    staleMs: number,
  ): Promise<Array<{ tenantId: string; fanoutId: string; chunk: number }>> {
    const rows = await q.rows<{ tenant_id: string; fanout_id: string; chunk: number }>(
      `SELECT f.tenant_id, c.fanout_id, c.chunk
       FROM fanouts f
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS n FROM fanout_chunks p
         WHERE p.fanout_id = f.id AND p.state = 'pending'
           AND p.published_at >= now() - make_interval(secs => $2 / 1000.0)) held
       CROSS JOIN LATERAL (
         SELECT fanout_id, chunk FROM fanout_chunks u
         WHERE u.fanout_id = f.id AND u.state = 'pending'
           AND (u.published_at IS NULL OR u.published_at < now() - make_interval(secs => $2 / 1000.0))
         ORDER BY chunk LIMIT greatest(0, $1 - held.n)) c
       WHERE f.state IN ('planning', 'running')
       ORDER BY f.created_at, c.chunk`,
      [perFanout, staleMs],
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, fanoutId: r.fanout_id, chunk: r.chunk }));
  },

  async markPublished(q: Queryable, fanoutId: string, chunks: readonly number[]): Promise<void> {
    await q.exec("UPDATE fanout_chunks SET published_at = now() WHERE fanout_id = $1 AND chunk = ANY($2::int[])", [
      fanoutId,
      chunks,
    ]);
  },
  /** A chunk still to write, with its users; null when it is settled (or gone). */
  async pendingChunk(q: Queryable, fanoutId: string, chunk: number): Promise<string[] | null> {
    const [row] = await q.rows<{ user_ids: string[] | null }>(
      "SELECT user_ids FROM fanout_chunks WHERE fanout_id = $1 AND chunk = $2 AND state = 'pending'",
      [fanoutId, chunk],
    );
    return row?.user_ids ?? null;
  },
  /**
   * Settles a chunk. Written wins over canceled: a chunk being written when its
   * fan-out was canceled is counted as what it is, written.
   */
  async settle(q: Queryable, fanoutId: string, chunk: number, state: "written" | "failed" | "canceled", error = "") {
    await q.exec(
      `UPDATE fanout_chunks SET state = $3, error = $4, user_ids = NULL, settled_at = now()
       WHERE fanout_id = $1 AND chunk = $2
         AND (state = 'pending' OR (state = 'canceled' AND $3 = 'written'))`,
      [fanoutId, chunk, state, error],
    );
  },
  async progress(q: Queryable, fanoutId: string): Promise<FanoutProgress> {
    const [row] = await q.rows<{ planned: string; written: string; failed: string; canceled: string; error: string }>(
      `SELECT coalesce(sum(planned), 0) AS planned,
              coalesce(sum(planned) FILTER (WHERE state = 'written'), 0) AS written,
              coalesce(sum(planned) FILTER (WHERE state = 'failed'), 0) AS failed,
              coalesce(sum(planned) FILTER (WHERE state = 'canceled'), 0) AS canceled,
              coalesce(min(error) FILTER (WHERE state = 'failed'), '') AS error
       FROM fanout_chunks WHERE fanout_id = $1`,
      [fanoutId],
    );
    return {
      planned: Number(row?.planned ?? 0),
      written: Number(row?.written ?? 0),
      failed: Number(row?.failed ?? 0),
      canceled: Number(row?.canceled ?? 0),
      error: row?.error ?? "",
    };
  },
  /**
   * Erasure: takes the tenant's user out of the chunks not yet written of
   * the tenant's fan-outs (a scan of the pending chunks, which exist only
   * while fan-outs run; the same user id in another tenant is someone else).
   * A chunk whose Send is under way when this commits may still reach them.
   */
  async forgetUser(tx: Queryable, tenantId: string, userId: string): Promise<void> {
    await tx.exec(
      `UPDATE fanout_chunks SET user_ids = array_remove(user_ids, $1), planned = planned - 1
       WHERE state = 'pending' AND $1 = ANY(user_ids)
         AND fanout_id IN (SELECT id FROM fanouts WHERE tenant_id = $2 AND state IN ('planning', 'running'))`,
      [userId, tenantId],
    );
  },
};
