import type { ChangeKind, FeedEvent, FeedHead } from "../domain/feed-event.js";
import { type Database, execute, queryRows, type Tx } from "./database.js";
import { type FeedEventRow, notificationColumns, toFeedEvent } from "./rows.js";

/** A `created` event about to be written; its seq and unread count are known. */
export interface NewCreatedEvent {
  userId: string;
  seq: number;
  unreadCount: number;
  notificationId: string;
}

/** A state-change event about to be written. */
export interface NewChangeEvent {
  userId: string;
  seq: number;
  unreadCount: number;
  kind: ChangeKind;
  notificationIds: string[];
  all: boolean;
  time: Date;
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

/** A page from rows read after `after`, up to `limit`. */
function toPage(rows: FeedEventRow[], after: number, limit: number): EventsPage {
  // A created event whose notification is gone (deleted with its user's data)
  // has nothing left to show; its seq still counts as passed.
  const events = rows.filter((r) => r.kind !== "created" || r.id != null).map(toFeedEvent);
  return { events, firstSeq: rows[0]?.seq ?? null, lastSeq: rows.at(-1)?.seq ?? after, more: rows.length === limit };
}

/**
 * Each user's feed: the head row in `user_feeds` (last seq, unread count) and the
 * event log in `feed_events` that Subscribe replays from.
 */
export class FeedStore {
  constructor(private readonly db: Database) {}

  /**
   * Moves the heads of several users forward by `events` and raises their unread
   * counts by `unread`, creating heads on first use. Locks the head rows until
   * `tx` ends; rows are locked in user_id order so concurrent multi-user writers
   * cannot deadlock. Returns the new head of each user.
   */
  async advance(tx: Tx, changes: Map<string, { events: number; unread: number }>): Promise<Map<string, FeedHead>> {
    const userIds = [...changes.keys()];
    const rows = await queryRows<{ user_id: string; seq: number; unread_count: number }>(
      this.db,
      `INSERT INTO user_feeds (user_id, seq, unread_count)
       SELECT u, e, n FROM unnest($1::text[], $2::bigint[], $3::int[]) AS t(u, e, n) ORDER BY u
       ON CONFLICT (user_id) DO UPDATE
         SET seq = user_feeds.seq + EXCLUDED.seq, unread_count = user_feeds.unread_count + EXCLUDED.unread_count
       RETURNING user_id, seq, unread_count`,
      [userIds, userIds.map((u) => changes.get(u)?.events ?? 0), userIds.map((u) => changes.get(u)?.unread ?? 0)],
      tx,
    );
    return new Map(rows.map((r) => [r.user_id, { seq: r.seq, unreadCount: r.unread_count }]));
  }

  /** Locks one user's head for the rest of `tx`; null if the user never had a notification. */
  async lockHead(tx: Tx, userId: string): Promise<FeedHead | null> {
    const [row] = await queryRows<{ seq: number; unread_count: number }>(
      this.db,
      "SELECT seq, unread_count FROM user_feeds WHERE user_id = $1 FOR UPDATE",
      [userId],
      tx,
    );
    return row ? { seq: row.seq, unreadCount: row.unread_count } : null;
  }

  /** Stores a head moved by the caller after lockHead. */
  async setHead(tx: Tx, userId: string, head: FeedHead): Promise<void> {
    await execute(
      this.db,
      "UPDATE user_feeds SET seq = $2, unread_count = $3 WHERE user_id = $1",
      [userId, head.seq, head.unreadCount],
      tx,
    );
  }

  /** The heads of the given users; users without a feed are absent. */
  async heads(userIds: string[]): Promise<Map<string, FeedHead>> {
    if (userIds.length === 0) return new Map();
    const rows = await queryRows<{ user_id: string; seq: number; unread_count: number }>(
      this.db,
      "SELECT user_id, seq, unread_count FROM user_feeds WHERE user_id = ANY($1::text[])",
      [userIds],
      undefined,
    );
    return new Map(rows.map((r) => [r.user_id, { seq: r.seq, unreadCount: r.unread_count }]));
  }

  /** Appends one `created` event per new notification in the inbox. */
  async appendCreated(tx: Tx, events: NewCreatedEvent[]): Promise<void> {
    if (events.length === 0) return;
    await execute(
      this.db,
      `INSERT INTO feed_events (user_id, seq, kind, notification_ids, unread_count)
       SELECT u, s, 'created', ARRAY[n], c FROM unnest($1::text[], $2::bigint[], $3::uuid[], $4::int[]) AS t(u, s, n, c)`,
      [
        events.map((e) => e.userId),
        events.map((e) => e.seq),
        events.map((e) => e.notificationId),
        events.map((e) => e.unreadCount),
      ],
      tx,
    );
  }

  /** Appends one read/unread/archive/unarchive event. */
  async appendChange(tx: Tx, event: NewChangeEvent): Promise<void> {
    await execute(
      this.db,
      `INSERT INTO feed_events (user_id, seq, kind, notification_ids, all_notifications, unread_count, created_at)
       VALUES ($1, $2, $3, $4::uuid[], $5, $6, $7)`,
      [event.userId, event.seq, event.kind, event.notificationIds, event.all, event.unreadCount, event.time],
      tx,
    );
  }

  /**
   * Up to `limit` events of a user after seq `after`, oldest first, with the
   * notification of each `created` event as it is now. Also returns the seqs of
   * the first and last events read (so callers can tell when events were pruned,
   * and where to continue) and whether more may follow.
   */
  async eventsAfter(userId: string, after: number, limit: number): Promise<EventsPage> {
    const rows = await queryRows<FeedEventRow>(
      this.db,
      `SELECT e.user_id AS event_user_id, e.seq, e.kind, e.notification_ids, e.all_notifications, e.unread_count,
              e.created_at AS event_time, ${notificationColumns}
       FROM feed_events e
       LEFT JOIN notifications n ON e.kind = 'created' AND n.id = e.notification_ids[1]
       WHERE e.user_id = $1 AND e.seq > $2
       ORDER BY e.seq
       LIMIT $3`,
      [userId, after, limit],
      undefined,
    );
    return toPage(rows, after, limit);
  }

  /**
   * eventsAfter for many (user, after) pairs in one query: what streams
   * catching up at the same time read together. Pages come in the order of
   * `requests`.
   */
  async eventsAfterEach(requests: Array<{ userId: string; after: number }>, limit: number): Promise<EventsPage[]> {
    if (requests.length === 0) return [];
    const rows = await queryRows<FeedEventRow & { request: number }>(
      this.db,
      `SELECT t.i::int AS request, e.user_id AS event_user_id, e.seq, e.kind, e.notification_ids,
              e.all_notifications, e.unread_count, e.created_at AS event_time, ${notificationColumns}
       FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS t(u, a, i)
       CROSS JOIN LATERAL (
         SELECT * FROM feed_events f WHERE f.user_id = t.u AND f.seq > t.a ORDER BY f.seq LIMIT $3
       ) e
       LEFT JOIN notifications n ON e.kind = 'created' AND n.id = e.notification_ids[1]
       ORDER BY t.i, e.seq`,
      [requests.map((r) => r.userId), requests.map((r) => r.after), limit],
      undefined,
    );
    const byRequest = requests.map((): FeedEventRow[] => []);
    for (const row of rows) byRequest[row.request - 1]?.push(row);
    return requests.map((r, i) => toPage(byRequest[i] ?? [], r.after, limit));
  }

  /** Deletes events older than `days`; returns how many went. Bounded per call. */
  async prune(days: number, batch = 5000): Promise<number> {
    return execute(
      this.db,
      `DELETE FROM feed_events WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM feed_events WHERE created_at < now() - make_interval(days => $1) LIMIT $2))`,
      [days, batch],
      undefined,
    );
  }
}
