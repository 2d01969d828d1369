import type { Queryable } from "./database.js";
import { inInboxSql } from "./inbox-condition.js";

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
 * seen_at and read_at both NULL (reading sees without writing seen_at; see
 * inbox-store.ts), so unseen ones are unread too (the counting rule of issue 14). What the inbox is
 * comes from the one rule in inbox-condition.ts (placed, not archived, snoozed or expired).
 */
export const inboxRowSql = inInboxSql("n");

/**
 * Tab counts of one user, in the order of `tabs`: how many notifications in the
 * inbox match each tab and are unread, and unseen. Counted from the rows in
 * one statement and one pass: the user's unread inbox rows (unseen ones are
 * among them) are read once through the per-user partial index
 * notifications_unread (at most {@link tabCountLimit} of
 * them) and every tab is a pair of FILTER aggregates over that pass, so the
 * cost follows what is unread, not the size of the inbox, and barely grows
 * with the number of tabs. Tab filters are bound parameters.
 */
export async function countTabs(
  q: Queryable,
  tenantId: string,
  userId: string,
  tabs: readonly TabFilter[],
): Promise<TabCounts[]> {
  if (tabs.length === 0) return [];
  const bind: unknown[] = [tenantId, userId, tabCountLimit];
  const aggregates = tabs.map((t, k) => {
    const match: string[] = [];
    if (t.category !== "") {
      bind.push(t.category);
      match.push(`p.category = $${bind.length}`);
    }
    if (t.tags.length > 0) {
      bind.push(t.tags);
      match.push(`p.tags && $${bind.length}::text[]`);
    }
    const when = match.length === 0 ? "" : ` AND ${match.join(" AND ")}`;
    return `count(*) FILTER (WHERE p.unread${when}) AS unread_${k}, count(*) FILTER (WHERE p.unseen${when}) AS unseen_${k}`;
  });
  const [row] = await q.rows<Record<string, string>>(
    `SELECT ${aggregates.join(", ")}
     FROM (
       SELECT n.category, n.tags, true AS unread, n.seen_at IS NULL AS unseen
       FROM notifications n
       WHERE n.tenant_id = $1 AND n.user_id = $2 AND ${inboxRowSql} AND n.read_at IS NULL
       LIMIT $3
     ) AS p`,
    bind,
  );
  return tabs.map((t, k) => ({
    id: t.id,
    unreadCount: Number(row?.[`unread_${k}`] ?? 0),
    unseenCount: Number(row?.[`unseen_${k}`] ?? 0),
  }));
}
