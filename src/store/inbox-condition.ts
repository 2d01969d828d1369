/**
 * What the inbox is, in SQL over a `notifications` row (unqualified columns):
 * placed (a seq), not archived, not snoozed, not expired. The unread and
 * unseen counts of `user_feeds` count exactly these rows with `read_at` /
 * `seen_at` NULL; every writer that moves a row in or out of this set passes
 * the matching deltas to the feed log, and a recount uses these strings.
 */
export const inInboxSql = "(seq IS NOT NULL AND archived_at IS NULL AND snooze_until IS NULL AND expired_at IS NULL)";

/** A row counted in the unread count. */
export const countedUnreadSql = `(${inInboxSql} AND read_at IS NULL)`;

/** A row counted in the unseen count. */
export const countedUnseenSql = `(${inInboxSql} AND seen_at IS NULL)`;

/** Not snoozed and not expired: what List, the counts and MarkRead `all` see (with archived_at for the archive). */
export const notTimedOutSql = "(snooze_until IS NULL AND expired_at IS NULL)";
