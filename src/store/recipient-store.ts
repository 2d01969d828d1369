import { v7 as uuidv7 } from "uuid";
import type { JsonObject } from "../domain/notification.js";
import {
  type Device,
  emptyRecipient,
  type Platform,
  type Recipient,
  type RecipientPatch,
  type WebPushKeys,
} from "../domain/recipient.js";
import type { Queryable } from "./database.js";

interface RecipientRow {
  user_id: string;
  addresses: Record<string, string>;
  locale: string;
  timezone: string;
  /** Null for rows written before attributes existed, and when there are none. */
  attributes: JsonObject | null;
  updated_at: Date;
}

interface DeviceRow {
  id: string;
  user_id: string;
  platform: Platform;
  token: string;
  created_at: Date;
  /** Selected only where a deliverer needs them (device()). */
  web_push_p256dh?: string | null;
  web_push_auth?: string | null;
}

const toDevice = (r: DeviceRow): Device => ({
  id: r.id,
  userId: r.user_id,
  platform: r.platform,
  token: r.token,
  createdAt: r.created_at,
  ...(r.web_push_p256dh && r.web_push_auth && { webPush: { p256dh: r.web_push_p256dh, auth: r.web_push_auth } }),
});

/** Users' addresses, locales, push devices and token revocations. */
export const recipientStore = {
  /** How many recipients the tenant has (a broadcast's audience). */
  async count(q: Queryable, tenantId: string): Promise<number> {
    const [row] = await q.rows<{ n: string }>("SELECT count(*)::text AS n FROM recipients WHERE tenant_id = $1", [
      tenantId,
    ]);
    return Number(row?.n ?? 0);
  },

  /** Recipients of these users with their devices; users Herald knows nothing of get empty ones. */
  async forUsers(q: Queryable, tenantId: string, userIds: readonly string[]): Promise<Map<string, Recipient>> {
    // One statement (recipients with their devices as a json array): it also
    // runs on one transaction's connection (a workflow step), where two
    // statements at once would queue on the client.
    const rows = await q.rows<
      RecipientRow & { devices: Array<Omit<DeviceRow, "created_at"> & { created_at: string }> }
    >(
      `SELECT u.user_id, r.addresses, r.locale, r.timezone, r.attributes, r.updated_at,
         coalesce((SELECT json_agg(json_build_object('id', d.id, 'user_id', d.user_id, 'platform', d.platform,
                     'token', d.token, 'created_at', d.created_at) ORDER BY d.created_at, d.id)
                   FROM devices d WHERE d.tenant_id = $1 AND d.user_id = u.user_id), '[]'::json) AS devices
       FROM unnest($2::text[]) AS u(user_id)
       LEFT JOIN recipients r ON r.tenant_id = $1 AND r.user_id = u.user_id`,
      [tenantId, userIds],
    );
    const byUser = new Map(userIds.map((u) => [u, emptyRecipient(u)]));
    for (const r of rows) {
      const recipient = byUser.get(r.user_id);
      if (recipient === undefined) continue;
      // No recipients row (only devices, or nothing): the empty recipient stays.
      if (r.updated_at !== null) {
        Object.assign(recipient, {
          addresses: r.addresses,
          locale: r.locale,
          timezone: r.timezone,
          attributes: r.attributes ?? {},
          updatedAt: r.updated_at,
        });
      }
      for (const d of r.devices) recipient.devices.push(toDevice({ ...d, created_at: new Date(d.created_at) }));
    }
    return byUser;
  },

  /** One device of the tenant by id, or null if it was removed (or is another tenant's). */
  async device(q: Queryable, tenantId: string, id: string): Promise<Device | null> {
    const [row] = await q.rows<DeviceRow>(
      `SELECT id, user_id, platform, token, created_at, web_push_p256dh, web_push_auth
       FROM devices WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return row ? toDevice(row) : null;
  },

  async get(q: Queryable, tenantId: string, userId: string): Promise<Recipient> {
    return (await recipientStore.forUsers(q, tenantId, [userId])).get(userId) as Recipient;
  },

  /**
   * Sets the fields present in `patch` (creating the recipient if need be);
   * addresses are merged by channel, and an empty one is removed; attributes
   * replace the old ones, and `{}` is stored as NULL (none).
   */
  async upsert(q: Queryable, tenantId: string, userId: string, patch: RecipientPatch): Promise<void> {
    const fields = (["locale", "timezone", "attributes"] as const).filter((f) => patch[f] !== undefined);
    const addresses = Object.entries(patch.addresses ?? {});
    const set = Object.fromEntries(addresses.filter(([, v]) => v !== ""));
    const cleared = addresses.filter(([, v]) => v === "").map(([k]) => k);
    const attributes =
      patch.attributes === undefined || Object.keys(patch.attributes).length === 0
        ? null
        : JSON.stringify(patch.attributes);
    await q.exec(
      `INSERT INTO recipients (tenant_id, user_id, addresses, locale, timezone, attributes)
       VALUES ($7, $1, $2::jsonb, $3, $4, $6::jsonb)
       ON CONFLICT (tenant_id, user_id) DO UPDATE SET updated_at = now(),
         addresses = (recipients.addresses - $5::text[]) || $2::jsonb${fields.map((f) => `, ${f} = EXCLUDED.${f}`).join("")}`,
      [userId, JSON.stringify(set), patch.locale ?? "", patch.timezone ?? "", cleared, attributes, tenantId],
    );
  },

  /**
   * Serialises changes to one user's devices until `tx` ends, so a cap on their
   * number holds under concurrent registrations.
   */
  async lockDevices(q: Queryable, tenantId: string, userId: string): Promise<void> {
    await q.rows("SELECT pg_advisory_xact_lock(hashtextextended('herald.devices:' || $1 || '/' || $2, 0))", [
      tenantId,
      userId,
    ]);
  },

  /**
   * Registers a token for a user. A token this user has already is updated in
   * place; a token another user has moves only with `move` (the caller decides
   * who may), and otherwise nothing changes and the result is null. `added`
   * says whether the user has one device more than before. `webPush` holds a
   * web_push device's keys (null for the other platforms).
   */
  async registerDevice(
    q: Queryable,
    tenantId: string,
    userId: string,
    platform: Platform,
    token: string,
    options: { move: boolean; webPush?: WebPushKeys | null },
  ): Promise<{ device: Device; added: boolean } | null> {
    const keys = options.webPush ?? null;
    const [row] = await q.rows<DeviceRow & { previous_user: string | null }>(
      `WITH previous AS (SELECT user_id FROM devices WHERE tenant_id = $6 AND token = $4)
       INSERT INTO devices (id, tenant_id, user_id, platform, token, web_push_p256dh, web_push_auth)
       VALUES ($1, $6, $2, $3, $4, $7, $8)
       ON CONFLICT (tenant_id, token) DO UPDATE SET user_id = EXCLUDED.user_id, platform = EXCLUDED.platform,
         web_push_p256dh = EXCLUDED.web_push_p256dh, web_push_auth = EXCLUDED.web_push_auth
         WHERE devices.user_id = EXCLUDED.user_id OR $5::boolean
       RETURNING id, user_id, platform, token, created_at, (SELECT user_id FROM previous) AS previous_user`,
      [uuidv7(), userId, platform, token, options.move, tenantId, keys?.p256dh ?? null, keys?.auth ?? null],
    );
    if (row === undefined) return null;
    return { device: toDevice(row), added: row.previous_user !== userId };
  },

  /** How many devices a user has. */
  async deviceCount(q: Queryable, tenantId: string, userId: string): Promise<number> {
    const [row] = await q.rows<{ n: number }>(
      "SELECT count(*)::int AS n FROM devices WHERE tenant_id = $1 AND user_id = $2",
      [tenantId, userId],
    );
    return row?.n ?? 0;
  },

  /** Removes a user's device by token; false if the user has no such device. */
  async unregisterDevice(q: Queryable, tenantId: string, userId: string, token: string): Promise<boolean> {
    return (
      (await q.exec("DELETE FROM devices WHERE tenant_id = $1 AND user_id = $2 AND token = $3", [
        tenantId,
        userId,
        token,
      ])) > 0
    );
  },

  /** Removes a device the push provider no longer knows. */
  async deleteDevice(q: Queryable, tenantId: string, id: string): Promise<void> {
    await q.exec("DELETE FROM devices WHERE tenant_id = $1 AND id = $2", [tenantId, id]);
  },

  /**
   * Erases everything Herald keeps about a user: contact data, devices,
   * preferences, notifications (their deliveries, attempts and outbox rows go
   * with them), feed and idempotency records stay only as ids of other users'.
   * Returns how many notifications went.
   */
  async erase(q: Queryable, tenantId: string, userId: string): Promise<number> {
    const where = "WHERE tenant_id = $1 AND user_id = $2";
    const args = [tenantId, userId];
    await q.exec(`DELETE FROM feed_events ${where}`, args);
    await q.exec(`DELETE FROM user_feeds ${where}`, args);
    await q.exec(`DELETE FROM preferences ${where}`, args);
    await q.exec(`DELETE FROM devices ${where}`, args);
    await q.exec(`DELETE FROM recipients ${where}`, args);
    return q.exec(`DELETE FROM notifications ${where}`, args);
  },

  /**
   * Refuses every user token of this user issued before now (the transaction's
   * time); returns that time. Never moves an earlier revocation later.
   */
  async revokeTokens(q: Queryable, tenantId: string, userId: string): Promise<Date> {
    const [row] = await q.rows<{ revoked_before: Date }>(
      `INSERT INTO user_token_revocations (tenant_id, user_id, revoked_before) VALUES ($1, $2, now())
       ON CONFLICT (tenant_id, user_id) DO UPDATE
         SET revoked_before = GREATEST(user_token_revocations.revoked_before, EXCLUDED.revoked_before)
       RETURNING revoked_before`,
      [tenantId, userId],
    );
    return (row as { revoked_before: Date }).revoked_before;
  },

  /**
   * Revocations of every tenant made after `since` (older ones can no longer
   * matter: their tokens have expired). Each process holds them all in memory.
   */
  async tokenRevocations(
    q: Queryable,
    since: Date,
  ): Promise<Array<{ tenantId: string; userId: string; before: Date }>> {
    const rows = await q.rows<{ tenant_id: string; user_id: string; revoked_before: Date }>(
      "SELECT tenant_id, user_id, revoked_before FROM user_token_revocations WHERE revoked_before > $1",
      [since],
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, userId: r.user_id, before: r.revoked_before }));
  },

  /** Drops revocations (of every tenant: pruning by age) made before `before`; returns how many. */
  async pruneTokenRevocations(q: Queryable, before: Date): Promise<number> {
    return q.exec("DELETE FROM user_token_revocations WHERE revoked_before < $1", [before]);
  },
};

export type RecipientStore = typeof recipientStore;
