import type { MarkChangeKind } from "../domain/feed-event.js";
import type { Queryable } from "./database.js";
import { notTimedOutSql } from "./inbox-condition.js";

/** Which notifications a state change applies to. */
export type ChangeTarget = { ids: string[] } | { all: true };

/** What a state change did. */
export interface ChangeResult {
  /** Ids that changed; empty for `all` changes (the count says how many). */
  changedIds: string[];
  changedCount: number;
  /** How the user's unread count moved. */
  unreadDelta: number;
}

// For each change: what it sets, the state a row must be in to change, and which
// changed rows are unread in the inbox (so leave or enter the unread count). The
// counted condition never reads the column being set, so RETURNING sees it as before.
// Snoozed and expired rows are outside the counts whatever changes (inbox-condition.ts).
const changes: Record<MarkChangeKind, { set: string; when: string; unreadSql: string; sign: -1 | 1 }> = {
  read: { set: "read_at = $TIME", when: "read_at IS NULL", unreadSql: "archived_at IS NULL", sign: -1 },
  unread: { set: "read_at = NULL", when: "read_at IS NOT NULL", unreadSql: "archived_at IS NULL", sign: 1 },
  archived: { set: "archived_at = $TIME", when: "archived_at IS NULL", unreadSql: "read_at IS NULL", sign: -1 },
  unarchived: { set: "archived_at = NULL", when: "archived_at IS NOT NULL", unreadSql: "read_at IS NULL", sign: 1 },
};

/** Read and archive state of notifications in users' inboxes. */
export const inboxStore = {
  /**
   * Applies `kind` to the target notifications of `userId` (of `tenantId`) that are not already
   * in that state, at `time`. The caller holds the user's feed head lock, so no
   * notification enters the inbox meanwhile and `all` means "all up to now".
   * `all` covers the inbox only (not archived notifications).
   */
  async change(
    q: Queryable,
    tenantId: string,
    userId: string,
    kind: MarkChangeKind,
    target: ChangeTarget,
    time: Date,
  ): Promise<ChangeResult> {
    const c = changes[kind];
    const bind: unknown[] = [tenantId, userId];
    const param = (value: unknown) => {
      bind.push(value);
      return `$${bind.length}`;
    };
    const set = c.set.replace("$TIME", () => param(time));
    const scope =
      "ids" in target ? `id = ANY(${param(target.ids)}::uuid[])` : `archived_at IS NULL AND ${notTimedOutSql}`;
    const rows = await q.rows<{ id: string; counted: boolean }>(
      `UPDATE notifications SET ${set}
       WHERE tenant_id = $1 AND user_id = $2 AND seq IS NOT NULL AND ${c.when} AND ${scope}
       RETURNING id, (${c.unreadSql} AND ${notTimedOutSql}) AS counted`,
      bind,
    );
    const counted = rows.filter((r) => r.counted).length;
    return {
      changedIds: "ids" in target ? rows.map((r) => r.id) : [],
      changedCount: rows.length,
      unreadDelta: c.sign * counted,
    };
  },
};

export type InboxStore = typeof inboxStore;
