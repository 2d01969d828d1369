import { type Database, execute, queryRows, type Tx } from "./database.js";

/** What claiming an idempotency key found. */
export type IdempotencyClaim = { claimed: true } | { claimed: false; requestHash: Buffer; notificationIds: string[] };

/**
 * Idempotency keys of Send, scoped to the API key. A key is claimed inside the
 * Send transaction: a concurrent duplicate blocks on the primary key until the
 * first commits, then sees its result, so concurrent duplicates create one set
 * of notifications.
 */
export class IdempotencyStore {
  constructor(
    private readonly db: Database,
    /** How long a key is remembered. */
    private readonly ttlHours = 24,
  ) {}

  async claim(tx: Tx, apiKeyId: string, key: string, requestHash: Buffer): Promise<IdempotencyClaim> {
    // An expired key is taken over as if it were new.
    const claimed = await queryRows<{ key: string }>(
      this.db,
      `INSERT INTO idempotency_keys (api_key_id, key, request_hash) VALUES ($1, $2, $3)
       ON CONFLICT (api_key_id, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, notification_ids = '{}', created_at = now()
         WHERE idempotency_keys.created_at < now() - make_interval(hours => $4)
       RETURNING key`,
      [apiKeyId, key, requestHash, this.ttlHours],
      tx,
    );
    if (claimed.length > 0) return { claimed: true };
    const [row] = await queryRows<{ request_hash: Buffer; notification_ids: string[] }>(
      this.db,
      "SELECT request_hash, notification_ids FROM idempotency_keys WHERE api_key_id = $1 AND key = $2",
      [apiKeyId, key],
      tx,
    );
    if (row === undefined) throw new Error("idempotency key vanished between claim and read");
    return { claimed: false, requestHash: row.request_hash, notificationIds: row.notification_ids };
  }

  /** Records what the claimed key's request created. */
  async complete(tx: Tx, apiKeyId: string, key: string, notificationIds: string[]): Promise<void> {
    await execute(
      this.db,
      "UPDATE idempotency_keys SET notification_ids = $3::uuid[] WHERE api_key_id = $1 AND key = $2",
      [apiKeyId, key, notificationIds],
      tx,
    );
  }

  /** Forgets expired keys; bounded per call. */
  async prune(batch = 5000): Promise<number> {
    return execute(
      this.db,
      `DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1) LIMIT $2))`,
      [this.ttlHours, batch],
      undefined,
    );
  }
}
