import { v7 as uuidv7 } from "uuid";
import {
  type Device,
  emptyRecipient,
  type Platform,
  type Recipient,
  type RecipientPatch,
} from "../domain/recipient.js";
import { type Database, execute, queryRows, type Tx } from "./database.js";

interface RecipientRow {
  user_id: string;
  email: string;
  phone: string;
  locale: string;
  timezone: string;
  updated_at: Date;
}

interface DeviceRow {
  id: string;
  user_id: string;
  platform: Platform;
  token: string;
  created_at: Date;
}

const toDevice = (r: DeviceRow): Device => ({
  id: r.id,
  userId: r.user_id,
  platform: r.platform,
  token: r.token,
  createdAt: r.created_at,
});

/** Users' contact data and push devices. */
export class RecipientStore {
  constructor(private readonly db: Database) {}

  /** Recipients of these users with their devices; users Herald knows nothing of get empty ones. */
  async forUsers(userIds: string[], tx?: Tx): Promise<Map<string, Recipient>> {
    const [rows, devices] = await Promise.all([
      queryRows<RecipientRow>(
        this.db,
        "SELECT user_id, email, phone, locale, timezone, updated_at FROM recipients WHERE user_id = ANY($1::text[])",
        [userIds],
        tx,
      ),
      queryRows<DeviceRow>(
        this.db,
        "SELECT id, user_id, platform, token, created_at FROM devices WHERE user_id = ANY($1::text[]) ORDER BY created_at, id",
        [userIds],
        tx,
      ),
    ]);
    const byUser = new Map(userIds.map((u) => [u, emptyRecipient(u)]));
    for (const r of rows) {
      Object.assign(byUser.get(r.user_id) as Recipient, {
        email: r.email,
        phone: r.phone,
        locale: r.locale,
        timezone: r.timezone,
        updatedAt: r.updated_at,
      });
    }
    for (const d of devices) byUser.get(d.user_id)?.devices.push(toDevice(d));
    return byUser;
  }

  /** One device by id, or null if it was removed. */
  async device(id: string): Promise<Device | null> {
    const [row] = await queryRows<DeviceRow>(
      this.db,
      "SELECT id, user_id, platform, token, created_at FROM devices WHERE id = $1",
      [id],
      undefined,
    );
    return row ? toDevice(row) : null;
  }

  async get(userId: string): Promise<Recipient> {
    return (await this.forUsers([userId])).get(userId) as Recipient;
  }

  /** Sets the fields present in `patch` (creating the recipient if need be). */
  async upsert(userId: string, patch: RecipientPatch): Promise<void> {
    const fields = (["email", "phone", "locale", "timezone"] as const).filter((f) => patch[f] !== undefined);
    await execute(
      this.db,
      `INSERT INTO recipients (user_id, email, phone, locale, timezone) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (user_id) DO UPDATE SET updated_at = now()${fields.map((f) => `, ${f} = EXCLUDED.${f}`).join("")}`,
      [userId, patch.email ?? "", patch.phone ?? "", patch.locale ?? "", patch.timezone ?? ""],
      undefined,
    );
  }

  /**
   * Serialises changes to one user's devices until `tx` ends, so a cap on their
   * number holds under concurrent registrations.
   */
  async lockDevices(tx: Tx, userId: string): Promise<void> {
    await queryRows(
      this.db,
      "SELECT pg_advisory_xact_lock(hashtextextended('herald.devices:' || $1, 0))",
      [userId],
      tx,
    );
  }

  /**
   * Registers a token for a user. A token this user has already is updated in
   * place; a token another user has moves only with `move` (the caller decides
   * who may), and otherwise nothing changes and the result is null. `added`
   * says whether the user has one device more than before.
   */
  async registerDevice(
    tx: Tx,
    userId: string,
    platform: Platform,
    token: string,
    options: { move: boolean },
  ): Promise<{ device: Device; added: boolean } | null> {
    const [row] = await queryRows<DeviceRow & { previous_user: string | null }>(
      this.db,
      `WITH previous AS (SELECT user_id FROM devices WHERE token = $4)
       INSERT INTO devices (id, user_id, platform, token) VALUES ($1, $2, $3, $4)
       ON CONFLICT (token) DO UPDATE SET user_id = EXCLUDED.user_id, platform = EXCLUDED.platform
         WHERE devices.user_id = EXCLUDED.user_id OR $5::boolean
       RETURNING id, user_id, platform, token, created_at, (SELECT user_id FROM previous) AS previous_user`,
      [uuidv7(), userId, platform, token, options.move],
      tx,
    );
    if (row === undefined) return null;
    return { device: toDevice(row), added: row.previous_user !== userId };
  }

  /** How many devices a user has. */
  async deviceCount(tx: Tx, userId: string): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      this.db,
      "SELECT count(*)::int AS n FROM devices WHERE user_id = $1",
      [userId],
      tx,
    );
    return row?.n ?? 0;
  }

  /** Removes a user's device by token; false if the user has no such device. */
  async unregisterDevice(userId: string, token: string): Promise<boolean> {
    return (
      (await execute(this.db, "DELETE FROM devices WHERE user_id = $1 AND token = $2", [userId, token], undefined)) > 0
    );
  }

  /** Removes a device the push provider no longer knows. */
  async deleteDevice(id: string): Promise<void> {
    await execute(this.db, "DELETE FROM devices WHERE id = $1", [id], undefined);
  }

  /**
   * Erases everything Herald keeps about a user: contact data, devices,
   * preferences, notifications (their deliveries, attempts and outbox rows go
   * with them), feed and idempotency records stay only as ids of other users'.
   * Returns how many notifications went.
   */
  async erase(tx: Tx, userId: string): Promise<number> {
    await execute(this.db, "DELETE FROM feed_events WHERE user_id = $1", [userId], tx);
    await execute(this.db, "DELETE FROM user_feeds WHERE user_id = $1", [userId], tx);
    await execute(this.db, "DELETE FROM preferences WHERE user_id = $1", [userId], tx);
    await execute(this.db, "DELETE FROM devices WHERE user_id = $1", [userId], tx);
    await execute(this.db, "DELETE FROM recipients WHERE user_id = $1", [userId], tx);
    return execute(this.db, "DELETE FROM notifications WHERE user_id = $1", [userId], tx);
  }

  /**
   * Refuses every user token of this user issued before now (the transaction's
   * time); returns that time. Never moves an earlier revocation later.
   */
  async revokeTokens(tx: Tx, userId: string): Promise<Date> {
    const [row] = await queryRows<{ revoked_before: Date }>(
      this.db,
      `INSERT INTO user_token_revocations (user_id, revoked_before) VALUES ($1, now())
       ON CONFLICT (user_id) DO UPDATE
         SET revoked_before = GREATEST(user_token_revocations.revoked_before, EXCLUDED.revoked_before)
       RETURNING revoked_before`,
      [userId],
      tx,
    );
    return (row as { revoked_before: Date }).revoked_before;
  }

  /** Revocations made after `since` (older ones can no longer matter: their tokens have expired). */
  async tokenRevocations(since: Date): Promise<Array<{ userId: string; before: Date }>> {
    const rows = await queryRows<{ user_id: string; revoked_before: Date }>(
      this.db,
      "SELECT user_id, revoked_before FROM user_token_revocations WHERE revoked_before > $1",
      [since],
      undefined,
    );
    return rows.map((r) => ({ userId: r.user_id, before: r.revoked_before }));
  }

  /** Drops revocations made before `before`; returns how many. */
  async pruneTokenRevocations(before: Date): Promise<number> {
    return execute(this.db, "DELETE FROM user_token_revocations WHERE revoked_before < $1", [before], undefined);
  }
}
