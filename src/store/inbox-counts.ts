import type { Queryable } from "./database.js";

/** A view of the inbox counted as a tab: its category (empty: any) and tags (empty: any; else any of them). */
export interface TabFilter {
  id: string;
  category: string;
  tags: readonly string[];
}

/** What one tab holds: its unread and unseen notifications. */
export interface TabCounts {
  id: string;
  unreadCount: number;
  unseenCount: number;
}

/** Most notifications a tab count looks at (see countTabs); a count never exceeds it. */
export const tabCountLimit = 10_000;

/**
 * The rows of `n` that count in a user's inbox: placed and not archived. The
 * unread count is these with read_at NULL, the unseen count these with
 * seen_at NULL (docs: the counting rule of issue 14). Inbox states that take a
 * notification out of the inbox add their condition here.
 */
export const inboxRowSql = "n.seq IS NOT NULL AND n.archived_at IS NULL";

/** Whether a notification row `n` matches a tab row `t` (category text, tags text[]). */
const tabMatchSql = "(t.category = '' OR n.category = t.category) AND (cardinality(t.tags) = 0 OR n.tags && t.tags)";

/**
 * Tab counts of one user, in the order of `tabs`: how many notifications in the
 * inbox match each tab and are unread, and unseen. Counted from the rows in
 * one statement: the user's unread or unseen inbox rows are read once (the
 * partial indexes notifications_unread and notifications_unseen hold exactly
 * those), at most {@link tabCountLimit} of them, and matched against every
 * tab. Read and archived notifications are never visited, so the cost follows
 * what is unread, not the size of the inbox.
 */
export async function countTabs(
  q: Queryable,
  tenantId: string,
  userId: string,
  tabs: readonly TabFilter[],
): Promise<TabCounts[]> {
  if (tabs.length === 0) return [];
  const rows = await q.rows<{ i: number; unread: number; unseen: number }>(
    `WITH pending AS MATERIALIZED (
       SELECT n.category, n.tags, n.read_at IS NULL AS unread, n.seen_at IS NULL AS unseen
       FROM notifications n
       WHERE n.tenant_id = $1 AND n.user_id = $2 AND ${inboxRowSql} AND (n.read_at IS NULL OR n.seen_at IS NULL)
       LIMIT $4
     )
     SELECT t.i::int AS i,
            (count(*) FILTER (WHERE n.unread))::int AS unread,
            (count(*) FILTER (WHERE n.unseen))::int AS unseen
     FROM ROWS FROM (jsonb_to_recordset($3::jsonb) AS (category text, tags text[]))
       WITH ORDINALITY AS t(category, tags, i)
     LEFT JOIN pending n ON ${tabMatchSql}
     GROUP BY t.i ORDER BY t.i`,
    [tenantId, userId, JSON.stringify(tabs.map((t) => ({ category: t.category, tags: t.tags }))), tabCountLimit],
  );
  return tabs.map((t, k) => ({
    id: t.id,
    unreadCount: rows[k]?.unread ?? 0,
    unseenCount: rows[k]?.unseen ?? 0,
  }));
}
