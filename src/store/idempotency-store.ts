import type { Queryable } from "./database.js";

/** What claiming an idempotency key found. */
export type IdempotencyClaim = { claimed: true } | { claimed: false; requestHash: Buffer; notificationIds: string[] };

/** One key to claim, for {@link idempotencyStore.claimMany}. */
export interface KeyClaim {
  apiKeyId: string;
  key: string;
  requestHash: Buffer;
}

/**
 * Idempotency keys of Send, scoped to the API key. A key is claimed inside the
 * Send transaction: a concurrent duplicate blocks on the primary key until the
 * first commits, then sees its result, so concurrent duplicates create one set
 * of notifications.
 */
/** How long a key is remembered (the README promises 24 hours). */
const ttlHours = 24;

export const idempotencyStore = {
  async claim(q: Queryable, apiKeyId: string, key: string, requestHash: Buffer): Promise<IdempotencyClaim> {
    // An expired key is taken over as if it were new.
    const claimed = await q.rows<{ key: string }>(
      `INSERT INTO idempotency_keys (api_key_id, key, request_hash) VALUES ($1, $2, $3)
       ON CONFLICT (api_key_id, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, notification_ids = '{}', created_at = now()
         WHERE idempotency_keys.created_at < now() - make_interval(hours => $4)
       RETURNING key`,
      [apiKeyId, key, requestHash, ttlHours],
    );
    if (claimed.length > 0) return { claimed: true };
    const [row] = await q.rows<{ request_hash: Buffer; notification_ids: string[] }>(
      "SELECT request_hash, notification_ids FROM idempotency_keys WHERE api_key_id = $1 AND key = $2",
      [apiKeyId, key],
    );
    if (row === undefined) throw new Error("idempotency key vanished between claim and read");
    return { claimed: false, requestHash: row.request_hash, notificationIds: row.notification_ids };
  },

  /**
   * claim for several keys in two statements (group commit): the claims, in
   * key order so that concurrent batches wait for each other instead of
   * deadlocking, then one read of the keys already taken. Results come in the
   * order of `claims`; a key may appear only once.
   */
  async claimMany(q: Queryable, claims: readonly KeyClaim[]): Promise<IdempotencyClaim[]> {
    const apiKeyIds = claims.map((c) => c.apiKeyId);
    const keys = claims.map((c) => c.key);
    const claimed = await q.rows<{ api_key_id: string; key: string }>(
      `INSERT INTO idempotency_keys (api_key_id, key, request_hash)
       SELECT c.a, c.k, c.h FROM unnest($1::text[], $2::text[], $3::bytea[]) AS c(a, k, h) ORDER BY c.a, c.k
       ON CONFLICT (api_key_id, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, notification_ids = '{}', created_at = now()
         WHERE idempotency_keys.created_at < now() - make_interval(hours => $4)
       RETURNING api_key_id, key`,
      [apiKeyIds, keys, claims.map((c) => c.requestHash), ttlHours],
    );
    const id = (apiKeyId: string, key: string) => JSON.stringify([apiKeyId, key]);
    const won = new Set(claimed.map((r) => id(r.api_key_id, r.key)));
    const found = new Map<string, IdempotencyClaim>();
    if (won.size < claims.length) {
      const rows = await q.rows<{ api_key_id: string; key: string; request_hash: Buffer; notification_ids: string[] }>(
        `SELECT i.api_key_id, i.key, i.request_hash, i.notification_ids
         FROM idempotency_keys i JOIN unnest($1::text[], $2::text[]) AS c(a, k) ON i.api_key_id = c.a AND i.key = c.k`,
        [apiKeyIds, keys],
      );
      for (const r of rows) {
        found.set(id(r.api_key_id, r.key), {
          claimed: false,
          requestHash: r.request_hash,
          notificationIds: r.notification_ids,
        });
      }
    }
    return claims.map((c) => {
      const k = id(c.apiKeyId, c.key);
      if (won.has(k)) return { claimed: true };
      const replay = found.get(k);
      if (replay === undefined) throw new Error("idempotency key vanished between claim and read");
      return replay;
    });
  },

  /** complete for several claimed keys in one statement. */
  async completeMany(
    q: Queryable,
    done: ReadonlyArray<{ apiKeyId: string; key: string; notificationIds: string[] }>,
  ): Promise<void> {
    await q.exec(
      `UPDATE idempotency_keys i SET notification_ids = ARRAY(SELECT jsonb_array_elements_text(c.ids))::uuid[]
       FROM jsonb_to_recordset($1::jsonb) AS c(a text, k text, ids jsonb)
       WHERE i.api_key_id = c.a AND i.key = c.k`,
      [JSON.stringify(done.map((d) => ({ a: d.apiKeyId, k: d.key, ids: d.notificationIds })))],
    );
  },

  /** Records what the claimed key's request created. */
  async complete(q: Queryable, apiKeyId: string, key: string, notificationIds: string[]): Promise<void> {
    await q.exec("UPDATE idempotency_keys SET notification_ids = $3::uuid[] WHERE api_key_id = $1 AND key = $2", [
      apiKeyId,
      key,
      notificationIds,
    ]);
  },

  /** Forgets expired keys; bounded per call. */
  async prune(q: Queryable, batch = 5000): Promise<number> {
    return q.exec(
      `DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1) LIMIT $2))`,
      [ttlHours, batch],
    );
  },
};

export type IdempotencyStore = typeof idempotencyStore;
