/**
 * What the inbox is, in SQL over a `notifications` row (columns of `alias`,
 * or unqualified): placed (a seq), not archived, not snoozed, not expired. A
 * retracted notification loses its seq (notificationUpdates.retract), so it is
 * out by the first test.
 * The unread and unseen counts of `user_feeds` count exactly these rows with
 * `read_at` NULL (unread) or with `seen_at` and `read_at` both NULL (unseen:
 * reading sees, migration 0018); every writer that moves a row in or out of
 * this set passes the matching deltas to the feed log, and a recount uses
 * these strings.
 */
export function inInboxSql(alias = ""): string {
  const c = column(alias);
  return `(${c("seq")} IS NOT NULL AND ${c("archived_at")} IS NULL AND ${notTimedOutSql(alias)})`;
}

/** A row counted in the unread count. */
export function countedUnreadSql(alias = ""): string {
  return `(${inInboxSql(alias)} AND ${column(alias)("read_at")} IS NULL)`;
}

/** A row counted in the unseen count. */
export function countedUnseenSql(alias = ""): string {
  const c = column(alias);
  return `(${inInboxSql(alias)} AND ${c("seen_at")} IS NULL AND ${c("read_at")} IS NULL)`;
}

/** Not snoozed and not expired: what List, the counts and MarkRead `all` see (with archived_at for the archive). */
export function notTimedOutSql(alias = ""): string {
  const c = column(alias);
  return `(${c("snooze_until")} IS NULL AND ${c("expired_at")} IS NULL)`;
}

const column = (alias: string) => (name: string) => (alias === "" ? name : `${alias}.${name}`);
