import { expect, it } from "vitest";
import { defaultTenant } from "../../src/domain/tenant.js";
import { countTabs, tabCountLimit } from "../../src/store/inbox-counts.js";
import { createListNotifications } from "../../src/usecases/list-notifications.js";
import { useMigratedDatabase } from "../helpers/migrated-database.js";

// Tab counts and the tag filter on a large inbox: counted from the rows,
// visiting only unread ones; the tag filter walks the per-user inbox index.
const holder = useMigratedDatabase();

const user = (userId: string) => ({ kind: "user", tenantId: defaultTenant, userId }) as const;
const input = {
  userId: "",
  pageSize: 20,
  pageToken: "",
  unreadOnly: false,
  unseenOnly: false,
  category: "",
  archived: false,
};
const tabs = [
  { id: "all", category: "", tags: [] },
  { id: "mentions", category: "", tags: ["mention"] },
  { id: "billing", category: "billing.invoice", tags: [] },
];

/**
 * `total` notifications of a user: every 10th a mention, every 7th billing,
 * the first `read` read (and seen), every 5th archived; a rare tag on 3.
 */
async function seed(userId: string, total: number, read: number) {
  await holder.db.exec(
    `INSERT INTO notifications (id, tenant_id, user_id, seq, category, title, body, priority, send_at, read_at, seen_at,
                                archived_at, tags)
     SELECT uuidv7(), 'default', $1, s, CASE WHEN s % 7 = 0 THEN 'billing.invoice' ELSE 'news' END, 't' || s, 'b',
            'normal', now(), CASE WHEN s <= $3 THEN now() END, CASE WHEN s <= $3 THEN now() END,
            CASE WHEN s % 5 = 0 THEN now() END,
            (CASE WHEN s % 10 = 0 THEN ARRAY['mention'] ELSE '{}' END)
              || (CASE WHEN s IN (17, 4711, 9001) THEN ARRAY['rare'] ELSE '{}' END)
     FROM generate_series(1, $2::int) AS s`,
    [userId, total, read],
  );
  await holder.db.exec("INSERT INTO user_feeds (tenant_id, user_id, seq, unread_count) VALUES ('default', $1, $2, 0)", [
    userId,
    total,
  ]);
  await holder.db.exec("ANALYZE notifications");
}

/** The same counts by a plain recount of the rows. */
async function recount(userId: string) {
  const [row] = await holder.db.rows<{ all: number; mentions: number; billing: number }>(
    `SELECT count(*)::int AS all, (count(*) FILTER (WHERE 'mention' = ANY(tags)))::int AS mentions,
            (count(*) FILTER (WHERE category = 'billing.invoice'))::int AS billing
     FROM notifications WHERE tenant_id = 'default' AND user_id = $1 AND seq IS NOT NULL
       AND archived_at IS NULL AND read_at IS NULL`,
    [userId],
  );
  return row;
}

it("counts 3 tabs of a 10,000-notification inbox exactly, and List with them stays fast", async () => {
  await seed("big", 10_000, 4_000);
  const expected = await recount("big");
  const counts = await countTabs(holder.db, defaultTenant, "big", tabs);
  expect(counts.map((c) => [c.id, c.unreadCount, c.unseenCount])).toEqual([
    ["all", expected?.all, expected?.all],
    ["mentions", expected?.mentions, expected?.mentions],
    ["billing", expected?.billing, expected?.billing],
  ]);

  const list = createListNotifications({ db: holder.db });
  const timings: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    const page = await list(user("big"), { ...input, tabs });
    timings.push(performance.now() - started);
    expect(page.tabCounts[0]?.unreadCount).toBe(expected?.all);
  }
  const plainTimings: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    await list(user("big"), input);
    plainTimings.push(performance.now() - started);
  }
  const rareTimings: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    const page = await list(user("big"), { ...input, tags: ["rare"] });
    rareTimings.push(performance.now() - started);
    expect(page.notifications.map((n) => n.title)).toEqual(["t9001", "t4711", "t17"]);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  console.log(
    `List of a user with 10,000 notifications (8,000 in the inbox, 4,800 of them unread), medians of 20: ` +
      `plain ${median(plainTimings).toFixed(1)} ms, with 3 tabs ${median(timings).toFixed(1)} ms, ` +
      `filtered on a tag 3 of them have ${median(rareTimings).toFixed(1)} ms`,
  );
  // Generous: a 2-core machine shared with other work; the point is that nothing scans without bound.
  expect(median(timings)).toBeLessThan(250);
  expect(median(rareTimings)).toBeLessThan(100);
});

it("stops counting at the limit", async () => {
  expect(tabCountLimit).toBe(10_000);
  await seed("huge", 12_600, 0); // 10,080 in the inbox (every 5th archived)
  const [all] = await countTabs(holder.db, defaultTenant, "huge", [tabs[0] as (typeof tabs)[0]]);
  expect(all?.unreadCount).toBe(tabCountLimit);
});
