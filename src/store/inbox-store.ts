import type { ChangeKind } from "../domain/feed-event.js";
import type { Queryable } from "./database.js";

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
 * For each change: what it sets (on `n`, the row being updated), the state a
 * row must be in to change, and which changed rows leave or enter the unread
 * and the unseen count (in the inbox and unread, or unseen). The counted
 * conditions read `o`, the row as it was before this statement, so they may
 * name the columns being set.
 *
 * Reading sees without writing seen_at (migration 0018): a row is unseen
 * while seen_at and read_at are both NULL. Marking unread keeps it seen by
 * moving the read time into seen_at first.
 */
const unseen = (row: "n" | "o") => `${row}.seen_at IS NULL AND ${row}.read_at IS NULL`;
const changes: Record<
  ChangeKind,
  { set: string; when: string; unread: string | null; unseen: string | null; sign: -1 | 1 }
> = {
  read: {
    set: "read_at = $TIME",
    when: "n.read_at IS NULL",
    unread: "o.archived_at IS NULL",
    unseen: `o.archived_at IS NULL AND ${unseen("o")}`,
    sign: -1,
  },
  unread: {
    set: "read_at = NULL, seen_at = coalesce(n.seen_at, n.read_at)",
    when: "n.read_at IS NOT NULL",
    unread: "o.archived_at IS NULL",
    unseen: null,
    sign: 1,
  },
  archived: {
    set: "archived_at = $TIME",
    when: "n.archived_at IS NULL",
    unread: "o.read_at IS NULL",
    unseen: unseen("o"),
    sign: -1,
  },
  unarchived: {
    set: "archived_at = NULL",
    when: "n.archived_at IS NOT NULL",
    unread: "o.read_at IS NULL",
    unseen: unseen("o"),
    sign: 1,
  },
  seen: { set: "seen_at = $TIME", when: unseen("n"), unread: null, unseen: "o.archived_at IS NULL", sign: -1 },
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
    kind: ChangeKind,
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
    const scope = "ids" in target ? `n.id = ANY(${param(target.ids)}::uuid[])` : "n.archived_at IS NULL";
    // `o` joins each row to itself as it was before this statement: the user's
    // head lock (held by the caller) keeps other changes of these rows out.
    const rows = await q.rows<{ id: string; unread: boolean; unseen: boolean }>(
      `UPDATE notifications n SET ${set}
       FROM notifications o
       WHERE n.tenant_id = $1 AND n.user_id = $2 AND n.seq IS NOT NULL AND ${c.when} AND ${scope}
         AND o.tenant_id = n.tenant_id AND o.id = n.id
       RETURNING n.id, (${c.unread ?? "false"}) AS unread, (${c.unseen ?? "false"}) AS unseen`,
      bind,
    );
    const unread = rows.filter((r) => r.unread).length;
    const unseen = rows.filter((r) => r.unseen).length;
    return {
      changedIds: "ids" in target ? rows.map((r) => r.id) : [],
      changedCount: rows.length,
      unreadDelta: c.sign * unread,
      unseenDelta: c.sign * unseen,
    };
  },
};

export type InboxStore = typeof inboxStore;
