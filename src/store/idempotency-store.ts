import type { Queryable } from "./database.js";

/** What claiming an idempotency key found. */
export type IdempotencyClaim = { claimed: true } | { claimed: false; requestHash: Buffer; notificationIds: string[] };

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
