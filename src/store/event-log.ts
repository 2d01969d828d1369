import type { EventLogHead, EventType, LoggedEvent } from "../domain/event.js";
import type { Channel } from "../domain/notification.js";
import type { Database, Queryable } from "./database.js";
import { type NotificationRow, notificationColumns, toNotification } from "./rows.js";

/** An `events` row as read (head and pruned_through only with a page). */
export interface EventRow {
  head: string;
  pruned_through: string;
  seq: string | null;
  type: EventType;
  tenant_id: string;
  user_id: string | null;
  notification_id: string | null;
  notification_ids: string[] | null;
  all_notifications: boolean;
  detail: Record<string, unknown> | null;
  delivery_id: string | null;
  channel: Channel | null;
  target: string | null;
  attempt: number | null;
  error: string | null;
  provider: string | null;
  created_at: Date;
}

/** A page of one tenant's events after a seq. */
export interface EventPage {
  events: LoggedEvent[];
  /** Where the next page starts: the last event's seq, or the head read with the page when it was not full. */
  lastSeq: number;
  /** The log's head and retention mark as of the page (one snapshot). */
  head: EventLogHead;
  more: boolean;
}

/** Only one sequencer numbers at a time, cluster-wide (an advisory lock key of Herald's own). */
const sequencerLock = "herald.event-log.sequencer";

/**
 * Numbers committed unnumbered events: the next `batch` of them, by
 * transaction start, a transaction's notification.created first, then in
 * insertion order, get head+1, head+2... and the head moves, in this one statement. It runs
 * after the advisory lock was taken (in an earlier statement), so its snapshot
 * already shows the previous sequencer's commit: no event is numbered twice,
 * and no seq is skipped.
 */
const sequenceSql = `WITH todo AS (
    SELECT ctid AS row, row_number() OVER (ORDER BY created_at, rank, id) AS n FROM events WHERE seq IS NULL
    ORDER BY created_at, rank, id LIMIT $1
  ),
  head AS (SELECT seq FROM event_log_head FOR UPDATE),
  numbered AS (
    UPDATE events e SET seq = (SELECT seq FROM head) + t.n FROM todo t WHERE e.ctid = t.row AND e.seq IS NULL
    RETURNING e.seq
  )
  UPDATE event_log_head SET seq = seq + (SELECT count(*) FROM numbered) RETURNING seq`;

/**
 * The event log (migration 0017): rows are written by triggers inside the
 * writers' statements; this numbers them (the sequencer), reads them by
 * tenant in seq order, and prunes old ones.
 *
 * Why seqs have no gap and no duplicate: only committed rows are visible to
 * the sequencer, it runs one at a time (advisory lock) and gives consecutive
 * numbers from the head in the same transaction that moves the head; a reader
 * sees a sequencer's work all at once or not at all, and each sequencer starts
 * after the previous one committed (test/integration/event-log.test.ts races
 * two of them against writers and a reader).
 *
 * Order: events are numbered in the order their transactions became visible
 * to a sequencer round; events that became visible in the same round are
 * ordered by their transactions' start, then a transaction's own in order
 * (notification.created first). So an event whose transaction committed
 * before another's began always has the lower seq.
 */
export const eventLog = {
  /**
   * One sequencer round: numbers up to `batch` events. Null when another
   * process holds the sequencer (it will number them); else the new head and
   * how many were numbered (none, head -1: nothing was waiting).
   */
  async sequence(db: Database, batch: number): Promise<{ numbered: number; head: number } | null> {
    // An idle log costs one index probe a round, not a transaction.
    const [waiting] = await db.rows<{ any: boolean }>("SELECT EXISTS (SELECT 1 FROM events WHERE seq IS NULL) AS any");
    if (waiting?.any !== true) return { numbered: 0, head: -1 };
    return db.transaction(async (tx) => {
      const [lock] = await tx.rows<{ ok: boolean }>("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS ok", [
        sequencerLock,
      ]);
      if (lock?.ok !== true) return null;
      const [before] = await tx.rows<{ seq: string }>("SELECT seq FROM event_log_head");
      const [after] = await tx.rows<{ seq: string }>(sequenceSql, [batch]);
      const head = Number(after?.seq ?? before?.seq ?? 0);
      return { numbered: head - Number(before?.seq ?? 0), head };
    });
  },

  async head(q: Queryable): Promise<EventLogHead> {
    const [row] = await q.rows<{ seq: string; pruned_through: string }>(
      "SELECT seq, pruned_through FROM event_log_head",
    );
    return { seq: Number(row?.seq ?? 0), prunedThrough: Number(row?.pruned_through ?? 0) };
  },

  /**
   * A tenant's numbered events after `after`, up to `limit`, of `types` (null:
   * all), with the head as of the same snapshot, so that an empty or short
   * page means "nothing more of yours up to the head".
   */
  async after(
    q: Queryable,
    tenantId: string,
    after: number,
    limit: number,
    types: readonly EventType[] | null,
  ): Promise<EventPage> {
    const rows = await q.rows<EventRow>(
      `WITH h AS (SELECT seq, pruned_through FROM event_log_head),
       page AS (
         SELECT e.* FROM events e
         WHERE e.tenant_id = $1 AND e.seq > $2 AND e.seq <= (SELECT seq FROM h)
           AND ($4::text[] IS NULL OR e.type = ANY($4::text[]))
         ORDER BY e.seq LIMIT $3
       )
       SELECT h.seq AS head, h.pruned_through, p.seq, p.type, p.tenant_id, p.user_id, p.notification_id,
              p.notification_ids, p.all_notifications, p.detail, p.delivery_id, p.channel, p.target, p.attempt, p.error,
              p.provider, p.created_at
       FROM h LEFT JOIN page p ON true ORDER BY p.seq`,
      [tenantId, after, limit, types],
    );
    const first = rows[0];
    const head = { seq: Number(first?.head ?? 0), prunedThrough: Number(first?.pruned_through ?? 0) };
    const found = rows.filter((r) => r.seq !== null);
    const notifications = await notificationsOf(q, tenantId, found);
    const events = found.map((r) => toLoggedEvent(r, notifications));
    const more = found.length === limit;
    return { events, lastSeq: more ? (events.at(-1)?.seq ?? after) : Math.max(head.seq, after), head, more };
  },

  /**
   * Removes up to `batch` numbered events older than `days` and moves
   * `pruned_through` to the highest seq removed (in the same statement): a
   * cursor below it may have lost events, and its reader is told so. Events
   * the webhook relay has not handled yet (above webhook_event_cursor) are
   * kept, however old: an endpoint never misses one to retention (the log
   * grows instead while the relay is behind).
   */
  async prune(q: Queryable, days: number, batch = 5000): Promise<number> {
    const [row] = await q.rows<{ removed: string }>(
      `WITH cut AS (
         SELECT ctid AS row FROM events
         WHERE seq IS NOT NULL AND created_at < now() - make_interval(days => $1)
           AND seq <= coalesce((SELECT seq FROM webhook_event_cursor), 0)
         LIMIT $2
       ),
       removed AS (DELETE FROM events e USING cut WHERE e.ctid = cut.row RETURNING e.seq),
       marked AS (
         UPDATE event_log_head SET pruned_through = greatest(pruned_through, (SELECT max(seq) FROM removed))
         WHERE EXISTS (SELECT 1 FROM removed)
       )
       SELECT count(*) AS removed FROM removed`,
      [days, batch],
    );
    return Number(row?.removed ?? 0);
  },
};

/** The notifications the page's events name (created: its snapshot; delivery events: its user), read at once. */
async function notificationsOf(q: Queryable, tenantId: string, rows: readonly EventRow[]) {
  const ids = [...new Set(rows.flatMap((r) => (r.notification_id === null ? [] : [r.notification_id])))];
  if (ids.length === 0) return new Map<string, NotificationRow>();
  const found = await q.rows<NotificationRow>(
    // One primary-key lookup per id (a tenant-leading index scanned for a list of ids reads the whole tenant).
    `SELECT ${notificationColumns} FROM unnest($2::uuid[]) AS i(id) JOIN notifications n ON n.id = i.id
     WHERE n.tenant_id = $1`,
    [tenantId, ids],
  );
  return new Map(found.map((n) => [n.id, n]));
}

export function toLoggedEvent(r: EventRow, notifications: Map<string, NotificationRow>): LoggedEvent {
  const n = r.notification_id === null ? undefined : notifications.get(r.notification_id);
  const delivery =
    r.delivery_id === null
      ? null
      : {
          deliveryId: r.delivery_id,
          channel: r.channel as Channel,
          target: r.target ?? "",
          attempt: r.attempt ?? 0,
          error: r.error ?? "",
          provider: r.provider ?? "",
        };
  return {
    seq: Number(r.seq),
    type: r.type,
    time: r.created_at,
    tenantId: r.tenant_id,
    userId: r.user_id ?? n?.user_id ?? "",
    notificationId: r.notification_id ?? "",
    notification: r.type === "notification.created" && n !== undefined ? toNotification(n) : null,
    notificationIds: r.notification_ids ?? [],
    all: r.all_notifications,
    detail: r.detail,
    delivery,
  };
}
