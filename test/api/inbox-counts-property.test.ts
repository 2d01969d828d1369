import { afterAll, beforeAll, expect, it } from "vitest";
import { ChangeKind } from "../../gen/ts/herald/v1/feed_pb.js";
import { connectClient, type HeraldClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

// The unread and unseen counts are kept incrementally by the feed log (every
// state change moves them by a delta). This test runs random sequences of every
// inbox operation, several at once on the same user, and after each round
// compares the kept counts (List, and the last feed head) with a recount from
// the notification rows. A delta wrong in any one change shows up here.
//
// Each feature that changes what counts (snooze, retract, expiry) adds its
// operations to `operations` and its condition to `recount`.
let herald: TestHerald;
let sender: HeraldClient;

beforeAll(async () => {
  herald = await startHerald();
  sender = connectClient(herald.url, await herald.apiKey(["send"]));
});
afterAll(() => herald.close());

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T,
    some: <T>(items: readonly T[]) => items.filter(() => next() < 0.3),
  };
}

type Rng = ReturnType<typeof random>;
type Operation = (user: HeraldClient, userId: string, ids: string[], rng: Rng) => Promise<unknown>;

const byIds =
  (change: ChangeKind): Operation =>
  async (user, _userId, ids, rng) => {
    const chosen = rng.some(ids).slice(0, 100);
    if (chosen.length > 0) await user.markRead({ notificationIds: chosen, change });
  };
const all =
  (change: ChangeKind): Operation =>
  (user) =>
    user.markRead({ all: true, change });

const operations: Operation[] = [
  async (_user, userId, ids) => {
    const res = await sender.send({ userIds: [userId], category: "prop", title: "t", body: "b" });
    ids.push(res.notifications[0]?.id as string);
  },
  byIds(ChangeKind.READ),
  byIds(ChangeKind.UNREAD),
  byIds(ChangeKind.ARCHIVED),
  byIds(ChangeKind.UNARCHIVED),
  byIds(ChangeKind.SEEN),
  all(ChangeKind.READ),
  all(ChangeKind.ARCHIVED),
  all(ChangeKind.SEEN),
];

/** The counts from the rows: in the inbox (placed, not archived), and unread or unseen. */
async function recount(userId: string): Promise<[number, number]> {
  const [row] = await herald.db.query<{ unread: number; unseen: number }>(
    `SELECT count(*) FILTER (WHERE read_at IS NULL)::int AS unread,
            count(*) FILTER (WHERE seen_at IS NULL AND read_at IS NULL)::int AS unseen
     FROM notifications
     WHERE tenant_id = 'default' AND user_id = $1 AND seq IS NOT NULL AND archived_at IS NULL`,
    [userId],
  );
  return [row?.unread ?? 0, row?.unseen ?? 0];
}

it.each([1, 2, 3])(
  "keeps unread and unseen counts equal to a recount under random concurrent operations (seed %i)",
  async (seed) => {
    const userId = `prop-${seed}`;
    const rng = random(seed);
    const devices = [0, 1, 2].map(async () => connectClient(herald.url, await herald.userToken(userId)));
    const users = await Promise.all(devices);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) await (operations[0] as Operation)(users[0] as HeraldClient, userId, ids, rng);
    for (let round = 0; round < 15; round++) {
      // Three operations at once, from three devices of the same user.
      await Promise.all(users.map((user) => rng.pick(operations)(user, userId, ids, rng)));
      const page = await (users[0] as HeraldClient).list({});
      expect([page.unreadCount, page.unseenCount], `round ${round}`).toEqual(await recount(userId));
    }
    const [head] = await herald.db.query<{ unread_count: number; unseen_count: number }>(
      "SELECT unread_count, unseen_count FROM user_feeds WHERE tenant_id = 'default' AND user_id = $1",
      [userId],
    );
    expect([head?.unread_count, head?.unseen_count]).toEqual(await recount(userId));
  },
);
