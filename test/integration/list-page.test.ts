import { expect, it } from "vitest";
import { defaultTenant } from "../../src/domain/tenant.js";
import type { Queryable } from "../../src/store/database.js";
import { notificationStore } from "../../src/store/notification-store.js";
import { createListNotifications } from "../../src/usecases/list-notifications.js";
import { useMigratedDatabase } from "../helpers/migrated-database.js";

// List reads its page and the unread count in one statement: one pooled
// connection and one round trip per call (two in parallel doubled the
// connections a burst of Lists needed, the cause of its tail at scale).
const holder = useMigratedDatabase();

/** `inbox` notifications (seq 1..n, the first `read` read) and the user's feed head. */
async function seed(userId: string, inbox: number, read: number, unreadCount = inbox - read) {
  await holder.db.exec(
    `INSERT INTO notifications (id, tenant_id, user_id, seq, category, title, body, priority, send_at, read_at)
     SELECT uuidv7(), 'default', $1, s, 'c', 'title ' || s, 'b', 'normal', now(), CASE WHEN s <= $3 THEN now() END
     FROM generate_series(1, $2::int) AS s`,
    [userId, inbox, read],
  );
  await holder.db.exec(
    "INSERT INTO user_feeds (tenant_id, user_id, seq, unread_count) VALUES ('default', $1, $2, $3)",
    [userId, inbox, unreadCount],
  );
}

/** The pool, counting the statements that go through it. */
function counting(db: Queryable): Queryable & { statements: number } {
  const counted = {
    statements: 0,
    rows: <T extends object>(sql: string, values?: readonly unknown[]) => {
      counted.statements++;
      return db.rows<T>(sql, values);
    },
    exec: (sql: string, values?: readonly unknown[]) => {
      counted.statements++;
      return db.exec(sql, values);
    },
  };
  return counted;
}

const user = (userId: string) => ({ kind: "user", tenantId: defaultTenant, userId }) as const;
const input = {
  userId: "",
  pageSize: 0,
  pageToken: "",
  unreadOnly: false,
  unseenOnly: false,
  category: "",
  archived: false,
};

it("reads a page and the unread count with one statement", async () => {
  await seed("one-statement", 30, 10);
  const db = counting(holder.db);
  const list = createListNotifications({ db });
  const first = await list(user("one-statement"), input);
  expect(db.statements).toBe(1);
  expect(first.notifications.map((n) => n.title)).toEqual(Array.from({ length: 20 }, (_, i) => `title ${30 - i}`));
  expect(first.unreadCount).toBe(20);
  const second = await list(user("one-statement"), { ...input, pageToken: first.nextPageToken });
  expect(db.statements).toBe(2);
  expect(second.notifications.map((n) => n.title)).toEqual(Array.from({ length: 10 }, (_, i) => `title ${10 - i}`));
  expect(second.nextPageToken).toBe("");
  expect(second.unreadCount).toBe(20);
});

it("takes the unread count from the feed head, also when the page is empty", async () => {
  // The count is the head's (what MarkRead and Send keep), not a count of rows.
  await seed("empty-page", 0, 0, 7);
  const page = await notificationStore.list(holder.db, {
    tenantId: defaultTenant,
    userId: "empty-page",
    beforeSeq: null,
    limit: 20,
    unreadOnly: false,
    unseenOnly: false,
    category: "",
    archived: false,
  });
  expect(page).toEqual({ rows: [], unreadCount: 7, unseenCount: 0 });
});

it("counts zero unread for a user who never had a feed", async () => {
  const list = createListNotifications({ db: holder.db });
  expect(await list(user("nobody"), input)).toEqual({
    notifications: [],
    nextPageToken: "",
    unreadCount: 0,
    tabCounts: [],
    unseenCount: 0,
  });
});

it("reads unread-only pages with the unread count", async () => {
  await seed("unread-only", 25, 20);
  const list = createListNotifications({ db: holder.db });
  const page = await list(user("unread-only"), { ...input, unreadOnly: true });
  expect(page.notifications.map((n) => n.title)).toEqual([25, 24, 23, 22, 21].map((s) => `title ${s}`));
  expect(page.notifications.every((n) => n.readAt === null)).toBe(true);
  expect(page.unreadCount).toBe(5);
});
