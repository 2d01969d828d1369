import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ChangeKind } from "../../gen/ts/herald/v1/feed_pb.js";
import { connectClient, type HeraldClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { type Random, seededRandom } from "../helpers/seeded-random.js";
import { waitFor } from "../helpers/wait.js";

// The unread and unseen counts are kept incrementally by the feed log (every
// state change moves them by a delta). This test runs random sequences of every
// inbox operation, several at once on the same user, and after each round
// compares the kept counts (List, and the last feed head) with a recount from
// the notification rows. A delta wrong in any one change shows up here.
//
// Every feature that changes what counts (seen, read, archive, update and
// retract, threads, snooze, expiry, actions) has its operations in `operations` and
// its condition in `keptAndRecounted`.
let herald: TestHerald;
let sender: HeraldClient;

beforeAll(async () => {
  herald = await startHerald();
  sender = connectClient(herald.url, await herald.apiKey(["send"]));
});
afterAll(() => herald.close());

type Rng = Random;
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
  // Update and retract: retract one, update one (refused once retracted), a
  // Send of a thread replacing the thread's previous one, a retraction by thread.
  async (_user, _userId, ids, rng) => {
    if (ids.length > 0) await sender.retractNotification({ id: rng.pick(ids) });
  },
  async (_user, _userId, ids, rng) => {
    if (ids.length > 0) await sender.updateNotification({ id: rng.pick(ids), body: `b${rng.int(3)}` }).catch(() => {});
  },
  async (_user, userId, ids, rng) => {
    const groupKey = `thread-${rng.int(3)}`;
    const res = await sender.send({ userIds: [userId], category: "prop", title: "t", body: "b", groupKey });
    ids.push(res.notifications[0]?.id as string);
  },
  (_user, userId, _ids, rng) => sender.retractNotification({ userId, groupKey: `thread-${rng.int(3)}` }),
  // Snooze and expiry: snoozed ones come back within a second or two (the
  // sweep runs every INBOX_TIMERS_INTERVAL_MS), some are unsnoozed first, and
  // Sends with a short ttl expire while the rounds go on.
  async (user, _userId, ids, rng) => {
    const chosen = rng.some(ids).slice(0, 100);
    const snoozeUntil = timestampFromDate(new Date(Date.now() + 500 + rng.int(1500)));
    if (chosen.length > 0) await user.snoozeNotifications({ notificationIds: chosen, snoozeUntil });
  },
  async (user, _userId, ids, rng) => {
    const chosen = rng.some(ids).slice(0, 100);
    if (chosen.length > 0) await user.unsnoozeNotifications({ notificationIds: chosen });
  },
  // Actions: a Send with two buttons, and taking one (which reads and sees).
  async (_user, userId, ids) => {
    const actions = [
      { id: "ok", label: "OK" },
      { id: "later", label: "Later" },
    ];
    const res = await sender.send({ userIds: [userId], category: "prop", title: "t", body: "b", actions });
    ids.push(res.notifications[0]?.id as string);
  },
  async (user, _userId, ids, rng) => {
    if (ids.length === 0) return;
    // Refused for notifications without these actions or out of the inbox: that is fine here.
    await user.interactNotification({ id: rng.pick(ids), actionId: rng.pick(["ok", "later"]) }).catch(() => {});
  },
  async (_user, userId, ids, rng) => {
    const ttl = { seconds: BigInt(1 + rng.int(2)), nanos: 0 };
    const res = await sender.send({ userIds: [userId], category: "prop", title: "t", body: "b", ttl });
    ids.push(res.notifications[0]?.id as string);
  },
];

/**
 * The kept counts (the feed head) and a recount from the rows (in the inbox:
 * placed, not archived, snoozed, expired or retracted; and unread or unseen),
 * read in one statement: the snooze and expiry sweeps run meanwhile.
 */
async function keptAndRecounted(userId: string): Promise<{ kept: number[]; recounted: number[] }> {
  const [row] = await herald.db.query<{ kept: number[]; recounted: number[] }>(
    `SELECT ARRAY[f.unread_count, f.unseen_count] AS kept,
            ARRAY[count(n.id) FILTER (WHERE n.read_at IS NULL),
                  count(n.id) FILTER (WHERE n.seen_at IS NULL AND n.read_at IS NULL)]::int[] AS recounted
     FROM user_feeds f
     LEFT JOIN notifications n ON n.tenant_id = f.tenant_id AND n.user_id = f.user_id
       AND n.seq IS NOT NULL AND n.archived_at IS NULL AND n.snooze_until IS NULL AND n.expired_at IS NULL
       AND n.retracted_at IS NULL
     WHERE f.tenant_id = 'default' AND f.user_id = $1
     GROUP BY f.unread_count, f.unseen_count`,
    [userId],
  );
  return { kept: row?.kept ?? [], recounted: row?.recounted ?? [] };
}

it.each([1, 2, 3])(
  "keeps unread and unseen counts equal to a recount under random concurrent operations (seed %i)",
  async (seed) => {
    const userId = `prop-${seed}`;
    const rng = seededRandom(seed);
    const devices = [0, 1, 2].map(async () => connectClient(herald.url, await herald.userToken(userId)));
    const users = await Promise.all(devices);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) await (operations[0] as Operation)(users[0] as HeraldClient, userId, ids, rng);
    for (let round = 0; round < 25; round++) {
      // Three operations at once, from three devices of the same user.
      await Promise.all(users.map((user) => rng.pick(operations)(user, userId, ids, rng)));
      const { kept, recounted } = await keptAndRecounted(userId);
      expect(kept, `round ${round}`).toEqual(recounted);
    }
    // Once every snooze has come back and every ttl has run out, List agrees too.
    await waitFor(
      async () =>
        (
          await herald.db.query(
            `SELECT 1 FROM notifications WHERE tenant_id = 'default' AND user_id = $1
               AND (snooze_until IS NOT NULL OR (expire_at IS NOT NULL AND expired_at IS NULL))`,
            [userId],
          )
        ).length === 0,
      20_000,
      "snoozes returned and ttls expired",
    );
    const page = await (users[0] as HeraldClient).list({});
    const { kept, recounted } = await keptAndRecounted(userId);
    expect(kept).toEqual(recounted);
    expect([page.unreadCount, page.unseenCount]).toEqual(recounted);
  },
  120_000,
);
