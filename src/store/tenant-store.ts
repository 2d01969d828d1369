import { type TenantSettings, tenantSettingsFromJson } from "../domain/tenant-settings.js";
import type { Queryable } from "./database.js";

/** A tenant as stored (secrets in `settings` included). */
export interface TenantRecord {
  id: string;
  name: string;
  settings: TenantSettings;
  createdAt: Date;
  updatedAt: Date;
}

interface TenantRow {
  id: string;
  name: string;
  settings: unknown;
  created_at: Date;
  updated_at: Date;
}

const columns = "id, name, settings, created_at, updated_at";
const toRecord = (r: TenantRow): TenantRecord => ({
  id: r.id,
  name: r.name,
  settings: tenantSettingsFromJson(r.settings),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * The tables holding a tenant's rows, children before their parents, so that
 * deleting in this order never meets a foreign key. Tables reached only
 * through one of these (delivery_attempts through deliveries,
 * workflow_timers through workflow_runs, fan-out chunks through fanouts)
 * go with their parent (ON DELETE CASCADE); idempotency_keys, kept per API
 * key, are deleted with the tenant's keys. Every table with a tenant_id must
 * be here: the tenant row's foreign keys then make a forgotten one fail the
 * delete instead of leaving orphans.
 */
export const tenantOwnedTables = [
  // No foreign key (a check per event would cost every Send): listed so its rows go too.
  "events",
  "workflow_throttle_hits",
  "workflow_digests",
  "workflow_runs",
  // Goes with its delivery too (ON DELETE CASCADE); listed because it carries the tenant.
  "webhook_rate_holds",
  // Also goes with its delivery; listed because it carries the tenant (for fair dispatch).
  "outbox",
  "deliveries",
  "feed_events",
  "user_feeds",
  "notifications",
  "workflow_patterns",
  "workflow_versions",
  "workflows",
  "topic_subscriber_removals",
  "topic_subscribers",
  "topics",
  "fanouts",
  "preferences",
  "quiet_hours",
  "devices",
  "recipients",
  "templates",
  "webhook_endpoints",
  "user_token_revocations",
  "api_keys",
] as const;

/** Tenants (migration 0013). */
export const tenantStore = {
  /** Every tenant's id. */
  async ids(q: Queryable): Promise<string[]> {
    const rows = await q.rows<{ id: string }>("SELECT id FROM tenants ORDER BY id");
    return rows.map((r) => r.id);
  },

  /** Every tenant's id and settings (for each process's TenantDirectory; tenants are few). */
  async all(q: Queryable): Promise<Array<{ id: string; settings: TenantSettings }>> {
    const rows = await q.rows<{ id: string; settings: unknown }>("SELECT id, settings FROM tenants ORDER BY id");
    return rows.map((r) => ({ id: r.id, settings: tenantSettingsFromJson(r.settings) }));
  },

  /** Makes a tenant; null when the id is taken. */
  async insert(q: Queryable, t: { id: string; name: string; settings: TenantSettings }): Promise<TenantRecord | null> {
    const [row] = await q.rows<TenantRow>(
      `INSERT INTO tenants (id, name, settings) VALUES ($1, $2, $3::jsonb)
       ON CONFLICT (id) DO NOTHING RETURNING ${columns}`,
      [t.id, t.name, JSON.stringify(t.settings)],
    );
    return row ? toRecord(row) : null;
  },

  async get(q: Queryable, id: string): Promise<TenantRecord | null> {
    const [row] = await q.rows<TenantRow>(`SELECT ${columns} FROM tenants WHERE id = $1`, [id]);
    return row ? toRecord(row) : null;
  },

  /** Up to `limit` tenants with ids after `after` (or from the first), by id. */
  async list(q: Queryable, after: string | null, limit: number): Promise<TenantRecord[]> {
    const rows = await q.rows<TenantRow>(
      `SELECT ${columns} FROM tenants WHERE $1::text IS NULL OR id > $1 ORDER BY id LIMIT $2`,
      [after, limit],
    );
    return rows.map(toRecord);
  },

  /** Changes what is given; null when there is no such tenant. */
  async update(
    q: Queryable,
    id: string,
    change: { name?: string; settings?: TenantSettings },
  ): Promise<TenantRecord | null> {
    const [row] = await q.rows<TenantRow>(
      `UPDATE tenants SET name = COALESCE($2, name), settings = COALESCE($3::jsonb, settings), updated_at = now()
       WHERE id = $1 RETURNING ${columns}`,
      [id, change.name ?? null, change.settings === undefined ? null : JSON.stringify(change.settings)],
    );
    return row ? toRecord(row) : null;
  },

  /**
   * Locks a tenant's row until the transaction ends (FOR UPDATE): every
   * insert that references it (a new key, a Send) waits, and fails once the
   * tenant is deleted. False when there is no such tenant.
   */
  async lock(tx: Queryable, id: string): Promise<boolean> {
    return (await tx.rows("SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE", [id])).length === 1;
  },

  async liveKeyCount(q: Queryable, id: string): Promise<number> {
    const [row] = await q.rows<{ n: number }>(
      "SELECT count(*)::int AS n FROM api_keys WHERE tenant_id = $1 AND revoked_at IS NULL",
      [id],
    );
    return row?.n ?? 0;
  },

  /** Deletes a tenant and every row it owns (run inside a transaction that holds `lock`). */
  async deleteWithData(tx: Queryable, id: string): Promise<void> {
    await tx.exec("DELETE FROM idempotency_keys WHERE api_key_id IN (SELECT id FROM api_keys WHERE tenant_id = $1)", [
      id,
    ]);
    for (const table of tenantOwnedTables) await tx.exec(`DELETE FROM ${table} WHERE tenant_id = $1`, [id]);
    await tx.exec("DELETE FROM tenants WHERE id = $1", [id]);
  },
};
