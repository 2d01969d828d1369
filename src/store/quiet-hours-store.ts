import type { Channel } from "../domain/channel.js";
import type { LocalTime, QuietHours } from "../domain/workflow.js";
import type { Queryable } from "./database.js";

interface QuietHoursRow {
  user_id: string;
  start_minute: number;
  end_minute: number;
  channels: Channel[];
  timezone: string;
}

// The table keeps times of day as minutes since midnight (0 to 1439), which
// its CHECK constraints bound and SQL can compare.
const toMinutes = (time: LocalTime): number => time.hour * 60 + time.minute;
const fromMinutes = (minutes: number): LocalTime => ({ hour: Math.floor(minutes / 60), minute: minutes % 60 });

function fromRow(row: QuietHoursRow): QuietHours {
  return {
    window: { start: fromMinutes(row.start_minute), end: fromMinutes(row.end_minute) },
    channels: row.channels,
    timezone: row.timezone,
  };
}

const columns = "user_id, start_minute, end_minute, channels, timezone";

/** Users' quiet hours, one row per (tenant, user); the only writer of table quiet_hours. */
export const quietHoursStore = {
  /** A user's quiet hours, or null for none. */
  async get(q: Queryable, tenantId: string, userId: string): Promise<QuietHours | null> {
    const [row] = await q.rows<QuietHoursRow>(
      `SELECT ${columns} FROM quiet_hours WHERE tenant_id = $1 AND user_id = $2`,
      [tenantId, userId],
    );
    return row === undefined ? null : fromRow(row);
  },

  /** The quiet hours of these users, in one query; users without any are absent from the map. */
  async forUsers(q: Queryable, tenantId: string, userIds: readonly string[]): Promise<Map<string, QuietHours>> {
    const rows = await q.rows<QuietHoursRow>(
      `SELECT ${columns} FROM quiet_hours WHERE tenant_id = $1 AND user_id = ANY($2::text[])`,
      [tenantId, userIds],
    );
    return new Map(rows.map((row) => [row.user_id, fromRow(row)]));
  },

  /** Replaces a user's quiet hours (whole: window, channels and timezone). */
  async set(q: Queryable, tenantId: string, userId: string, qh: QuietHours): Promise<void> {
    await q.exec(
      `INSERT INTO quiet_hours (tenant_id, user_id, start_minute, end_minute, channels, timezone)
       VALUES ($6, $1, $2, $3, $4::text[], $5)
       ON CONFLICT (tenant_id, user_id) DO UPDATE SET start_minute = EXCLUDED.start_minute, end_minute = EXCLUDED.end_minute,
         channels = EXCLUDED.channels, timezone = EXCLUDED.timezone, updated_at = now()`,
      [userId, toMinutes(qh.window.start), toMinutes(qh.window.end), qh.channels, qh.timezone, tenantId],
    );
  },

  /** Removes a user's quiet hours; none is not an error. */
  async clear(q: Queryable, tenantId: string, userId: string): Promise<void> {
    await q.exec("DELETE FROM quiet_hours WHERE tenant_id = $1 AND user_id = $2", [tenantId, userId]);
  },
};

export type QuietHoursStore = typeof quietHoursStore;
