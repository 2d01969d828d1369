import type { ChangeKind, FeedEvent, FeedHead } from "../domain/feed-event.js";
import { userKey } from "../domain/tenant.js";
import type { Queryable } from "./database.js";
import { type FeedEventRow, notificationColumns, toFeedEvent } from "./rows.js";

/** An event to append to a user's feed; the log gives it its seq and the unread count after it. */
export interface NewFeedEvent {
  tenantId: string;
  userId: string;
  kind: "created" | "updated" | "returned" | "interacted" | ChangeKind;
  notificationIds: string[];
  /** A change of every notification in the inbox (MarkRead `all`). */
  all?: boolean;
  /** How the event moves the user's unread count (+1 for a new notification). */
  unreadDelta: number;
  /** How it moves the unseen count (+1 for a new notification); 0 if absent. */
  unseenDelta?: number;
  /** What the event says beyond its notification ids (an action taken, a snooze time). */
  detail?: Record<string, unknown>;
  time: Date;
}

/** One user of one tenant: whose feed. */
export interface FeedOwner {
  tenantId: string;
  userId: string;
}

/** Where an appended event landed. */
export interface Placed {
  seq: number;
  unreadCount: number;
  unseenCount: number;
}

/** Stored events after a seq, as the live feed replays them. */
export interface EventsPage {
  events: FeedEvent[];
  /** Seq of the first row read (null if none): above `after + 1` means events were pruned. */
  firstSeq: number | null;
  /** Seq of the last row read, or `after` if none: where to continue. */
  lastSeq: number;
  /** Whether more may follow. */
  more: boolean;
}

/**
 * Each user's feed: the head in `user_feeds` (last seq, unread count) and the
 * event log in `feed_events` that Subscribe replays from. Every write goes
 * through `herald_feed_append` (migration 0005), the one place that numbers
 * events and moves heads; Send calls it inside its own statement
 * ({@link feedAppendSql}), MarkRead and the release of scheduled in-app
 * notifications through {@link feedLog.append}.
 */
export const feedLog = {
  /**
   * Appends events in array order; returns where each landed. Locks the heads
   * of their users until the transaction of `q` ends.
   */
  async append(q: Queryable, events: readonly NewFeedEvent[]): Promise<Placed[]> {
    if (events.length === 0) return [];
    const rows = await q.rows<{ seq: number; unread_count: number; unseen_count: number }>(feedAppendSql("$1::jsonb"), [
      feedEventsJson(events),
    ]);
    return rows.map((r) => ({ seq: r.seq, unreadCount: r.unread_count, unseenCount: r.unseen_count }));
  },

  /**
   * One user's head, locked until the transaction of `q` ends: a writer that
   * must know the head before it changes the inbox (MarkRead `all` means "all
   * up to now") takes it first. Null if the user never had a feed.
   */
  async lock(q: Queryable, tenantId: string, userId: string): Promise<FeedHead | null> {
    const [row] = await q.rows<{ seq: number; unread_count: number; unseen_count: number }>(
      "SELECT seq, unread_count, unseen_count FROM user_feeds WHERE tenant_id = $1 AND user_id = $2 FOR UPDATE",
      [tenantId, userId],
    );
    return row ? { seq: row.seq, unreadCount: row.unread_count, unseenCount: row.unseen_count } : null;
  },

  /**
   * The heads of these users of one tenant, locked in user order (the order
   * every appender locks them in) until the transaction of `q` ends. Users
   * without a feed yet are not locked (their head is created by the append).
   */
  async lockMany(q: Queryable, tenantId: string, userIds: readonly string[]): Promise<void> {
    if (userIds.length === 0) return;
    await q.rows(
      `SELECT user_id FROM user_feeds WHERE tenant_id = $1 AND user_id = ANY($2::text[])
       ORDER BY tenant_id, user_id FOR UPDATE`,
      [tenantId, userIds],
    );
  },

  /**
   * The heads of the given users, of any tenants (the hub reads every open
   * stream's at once), keyed by `userKey(tenant, user)`; users without a feed
   * are absent.
   */
  async heads(q: Queryable, owners: readonly FeedOwner[]): Promise<Map<string, FeedHead>> {
    if (owners.length === 0) return new Map();
    const rows = await q.rows<{
      tenant_id: string;
      user_id: string;
      seq: number;
      unread_count: number;
      unseen_count: number;
    }>(
      `SELECT f.tenant_id, f.user_id, f.seq, f.unread_count, f.unseen_count
       FROM unnest($1::text[], $2::text[]) AS t(tenant_id, user_id)
       JOIN user_feeds f ON f.tenant_id = t.tenant_id AND f.user_id = t.user_id`,
      [owners.map((o) => o.tenantId), owners.map((o) => o.userId)],
    );
    return new Map(
      rows.map((r) => [
        userKey(r.tenant_id, r.user_id),
        { seq: r.seq, unreadCount: r.unread_count, unseenCount: r.unseen_count },
      ]),
    );
  },

  /**
   * Up to `limit` events of a user after seq `after`, oldest first, with the
   * notification of each `created` and `updated` event as it is now.
   */
  async eventsAfter(q: Queryable, tenantId: string, userId: string, after: number, limit: number): Promise<EventsPage> {
    const rows = await q.rows<FeedEventRow>(
      `SELECT e.tenant_id AS event_tenant_id, e.user_id AS event_user_id, e.seq, e.kind, e.notification_ids,
              e.all_notifications, e.unread_count, coalesce(e.unseen_count, e.unread_count) AS unseen_count, e.detail,
              e.created_at AS event_time, ${notificationColumns}
       FROM feed_events e
       LEFT JOIN notifications n
         ON e.kind IN ('created', 'updated', 'returned') AND n.tenant_id = e.tenant_id AND n.id = e.notification_ids[1]
       WHERE e.tenant_id = $1 AND e.user_id = $2 AND e.seq > $3
       ORDER BY e.seq
       LIMIT $4`,
      [tenantId, userId, after, limit],
    );
    return toPage(rows, after, limit);
  },

  /**
   * eventsAfter for many (user, after) pairs in one query: what streams
   * catching up at the same time read together. Pages come in the order of
   * `requests`.
   */
  async eventsAfterEach(
    q: Queryable,
    requests: ReadonlyArray<FeedOwner & { after: number }>,
    limit: number,
  ): Promise<EventsPage[]> {
    if (requests.length === 0) return [];
    const rows = await q.rows<FeedEventRow & { request: number }>(
      `SELECT t.i::int AS request, e.tenant_id AS event_tenant_id, e.user_id AS event_user_id, e.seq, e.kind,
              e.notification_ids, e.all_notifications, e.unread_count,
              coalesce(e.unseen_count, e.unread_count) AS unseen_count, e.detail, e.created_at AS event_time,
              ${notificationColumns}
       FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS t(tn, u, a, i)
       CROSS JOIN LATERAL (
         SELECT * FROM feed_events f
         WHERE f.tenant_id = t.tn AND f.user_id = t.u AND f.seq > t.a ORDER BY f.seq LIMIT $4
       ) e
       LEFT JOIN notifications n
         ON e.kind IN ('created', 'updated', 'returned') AND n.tenant_id = e.tenant_id AND n.id = e.notification_ids[1]
       ORDER BY t.i, e.seq`,
      [requests.map((r) => r.tenantId), requests.map((r) => r.userId), requests.map((r) => r.after), limit],
    );
    const byRequest = requests.map((): FeedEventRow[] => []);
    for (const row of rows) byRequest[row.request - 1]?.push(row);
    return requests.map((r, i) => toPage(byRequest[i] ?? [], r.after, limit));
  },

  /** Deletes events older than `days`; returns how many went. Bounded per call. */
  async prune(q: Queryable, days: number, batch = 5000): Promise<number> {
    return q.exec(
      `DELETE FROM feed_events WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM feed_events WHERE created_at < now() - make_interval(days => $1) LIMIT $2))`,
      [days, batch],
    );
  },
};

export type FeedLog = typeof feedLog;

/** SQL appending the events in the jsonb `param` (see {@link feedEventsJson}); rows `(ord, user_id, seq, unread_count, unseen_count)`. */
export function feedAppendSql(param: string): string {
  return `SELECT ord, user_id, seq, unread_count, unseen_count FROM herald_feed_append(${param})`;
}

/**
 * Common table expressions appending one `created` event (one new unread
 * notification) for each of distinct users (of any tenants), in the jsonb `param` (see
 * {@link createdEventsJson}): the same log and numbering as
 * {@link feedAppendSql}, in the shape Send needs, without the general case's
 * grouping; heads are locked in user order like there. A new notification
 * is unread and unseen. They end in
 * `placed(ord, user_id, seq, unread_count, unseen_count)`, for a statement that starts
 * `WITH ${feedAppendCreatedCtes(...)}, ...`. Text for the caller's statement
 * rather than a function: a SQL function with data-modifying statements is
 * never inlined, and its executor cost a single-recipient Send about 3% of its
 * throughput (32 clients on this 2-core machine). Users repeated in one call
 * fail the statement (ON CONFLICT cannot change a row twice) rather than
 * number wrongly.
 */
export function feedAppendCreatedCtes(param: string): string {
  return `feed_new AS (
    SELECT x.ord::integer AS ord, x.tenant_id, x.user_id, x.notification_id,
           coalesce(x.created_at, now()) AS created_at
    FROM ROWS FROM (jsonb_to_recordset(${param})
        AS (tenant_id text, user_id text, notification_id uuid, created_at timestamptz))
      WITH ORDINALITY AS x(tenant_id, user_id, notification_id, created_at, ord)
  ),
  feed_heads AS (
    INSERT INTO user_feeds AS f (tenant_id, user_id, seq, unread_count, unseen_count)
    SELECT n.tenant_id, n.user_id, 1, 1, 1 FROM feed_new n ORDER BY n.tenant_id, n.user_id
    ON CONFLICT (tenant_id, user_id) DO UPDATE
      SET seq = f.seq + 1, unread_count = f.unread_count + 1, unseen_count = f.unseen_count + 1
    RETURNING f.tenant_id, f.user_id, f.seq, f.unread_count, f.unseen_count
  ),
  feed_appended AS (
    INSERT INTO feed_events
      (tenant_id, user_id, seq, kind, notification_ids, all_notifications, unread_count, unseen_count, created_at)
    SELECT h.tenant_id, h.user_id, h.seq, 'created', ARRAY[n.notification_id], false, h.unread_count,
           h.unseen_count, n.created_at
    FROM feed_new n JOIN feed_heads h ON h.tenant_id = n.tenant_id AND h.user_id = n.user_id
  ),
  placed AS (
    SELECT n.ord, h.user_id, h.seq, h.unread_count, h.unseen_count
    FROM feed_new n JOIN feed_heads h ON h.tenant_id = n.tenant_id AND h.user_id = n.user_id
  )`;
}

/** New notifications of distinct users as {@link feedAppendCreatedCtes} takes them. */
export function createdEventsJson(events: ReadonlyArray<FeedOwner & { notificationId: string; time: Date }>): string {
  return JSON.stringify(
    events.map((e) => ({
      tenant_id: e.tenantId,
      user_id: e.userId,
      notification_id: e.notificationId,
      created_at: e.time.toISOString(),
    })),
  );
}

/** Events as herald_feed_append takes them. */
export function feedEventsJson(events: readonly NewFeedEvent[]): string {
  return JSON.stringify(
    events.map((e) => ({
      tenant_id: e.tenantId,
      user_id: e.userId,
      kind: e.kind,
      notification_ids: e.notificationIds,
      all_notifications: e.all ?? false,
      unread_delta: e.unreadDelta,
      unseen_delta: e.unseenDelta ?? 0,
      detail: e.detail ?? null,
      created_at: e.time.toISOString(),
    })),
  );
}

/** Kinds whose event carries the notification (read with the event, as it is now). */
function carriesNotification(kind: string): boolean {
  return kind === "created" || kind === "updated" || kind === "returned";
}

/** A page from rows read after `after`, up to `limit`. */
function toPage(rows: FeedEventRow[], after: number, limit: number): EventsPage {
  // A created, updated or returned event whose notification is gone (deleted
  // with its user's data) has nothing left to show; its seq still counts as passed.
  const events = rows.filter((r) => !carriesNotification(r.kind) || r.id != null).map(toFeedEvent);
  return { events, firstSeq: rows[0]?.seq ?? null, lastSeq: rows.at(-1)?.seq ?? after, more: rows.length === limit };
}
