import type { MarkChangeKind } from "../domain/feed-event.js";
import type { Queryable } from "./database.js";
import { countedUnreadSql, countedUnseenSql, notTimedOutSql } from "./inbox-condition.js";

/** Which notifications a state change applies to. */
export type ChangeTarget = { ids: string[] } | { all: true };

/** What a state change did. */
export interface ChangeResult {
  /** Ids that changed; empty for `all` changes (the count says how many). */
  changedIds: string[];
  changedCount: number;
  /** How the user's unread count moved. */
  unreadDelta: number;
  /** How the user's unseen count moved. */
  unseenDelta: number;
}

/**
 * For each change: what it sets (on `n`, the row being updated) and the state
 * a row must be in to change. How the counts move is not listed per change: it
 * is each changed row counted after (`n` in RETURNING: the new values) minus
 * counted before (`o`, the row as it was before this statement), by the one
 * inbox rule (inbox-condition.ts), so a change cannot disagree with a recount.
 *
 * Reading sees without writing seen_at (migration 0018): a row is unseen
 * while seen_at and read_at are both NULL. Marking unread keeps it seen by
 * moving the read time into seen_at first.
 */
const changes: Record<MarkChangeKind, { set: string; when: string }> = {
  read: { set: "read_at = $TIME", when: "n.read_at IS NULL" },
  unread: { set: "read_at = NULL, seen_at = coalesce(n.seen_at, n.read_at)", when: "n.read_at IS NOT NULL" },
  archived: { set: "archived_at = $TIME", when: "n.archived_at IS NULL" },
  unarchived: { set: "archived_at = NULL", when: "n.archived_at IS NOT NULL" },
  seen: { set: "seen_at = $TIME", when: "n.seen_at IS NULL AND n.read_at IS NULL" },
};

/** Seen, read and archive state of notifications in users' inboxes. */
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
    const set = c.set.replaceAll("$TIME", () => param(time));
    const scope =
      "ids" in target ? `n.id = ANY(${param(target.ids)}::uuid[])` : `n.archived_at IS NULL AND ${notTimedOutSql("n")}`;
    // `o` joins each row to itself as it was before this statement: the user's
    // head lock (held by the caller) keeps other changes of these rows out.
    const rows = await q.rows<{ id: string; unread: number; unseen: number }>(
      `UPDATE notifications n SET ${set}
       FROM notifications o
       WHERE n.tenant_id = $1 AND n.user_id = $2 AND n.seq IS NOT NULL AND ${c.when} AND ${scope}
         AND o.tenant_id = n.tenant_id AND o.id = n.id
       RETURNING n.id,
         ${countedUnreadSql("n")}::int - ${countedUnreadSql("o")}::int AS unread,
         ${countedUnseenSql("n")}::int - ${countedUnseenSql("o")}::int AS unseen`,
      bind,
    );
    const sum = (key: "unread" | "unseen") => rows.reduce((total, r) => total + r[key], 0);
    return {
      changedIds: "ids" in target ? rows.map((r) => r.id) : [],
      changedCount: rows.length,
      unreadDelta: sum("unread"),
      unseenDelta: sum("unseen"),
    };
  },
};

export type InboxStore = typeof inboxStore;
