import { expect } from "vitest";
import type { TestHerald } from "../helpers/herald.js";

/** The category every topic-send example (examples/*\/topic[-_]send*) sends with. */
export const topicSendCategory = "example.topic";

/**
 * Checks Postgres after a topic-send example ran with `--user-prefix prefix
 * --members members`: every member but the actor (<prefix>-0, excluded) holds
 * exactly one notification of the example's category, the actor none.
 */
export async function expectTopicSendStored(herald: TestHerald, prefix: string, members: number): Promise<void> {
  const rows = await herald.db.query<{ user_id: string; count: string }>(
    "SELECT user_id, count(*) FROM notifications WHERE category = $1 AND user_id LIKE $2 GROUP BY user_id",
    [topicSendCategory, `${prefix}-%`],
  );
  const counts = new Map(rows.map((r) => [r.user_id, Number(r.count)]));
  expect(counts.has(`${prefix}-0`), "the excluded actor got a notification").toBe(false);
  expect(counts.size).toBe(members - 1);
  const notOnce = Array.from({ length: members - 1 }, (_, i) => `${prefix}-${i + 1}`).filter(
    (id) => counts.get(id) !== 1,
  );
  expect(notOnce, "members without exactly one notification").toEqual([]);
}
