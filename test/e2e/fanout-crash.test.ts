import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FanoutState } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { TopicService } from "../../gen/ts/herald/v1/topic_service_pb.js";
import { connectClient, serviceClient } from "../helpers/clients.js";
import { watchFeed } from "../helpers/feed-watch.js";
import {
  createTestDatabase,
  startHerald,
  type TestDatabase,
  type TestHerald,
  testEnv,
  uniquePrefix,
} from "../helpers/herald.js";
import { type HeraldProcess, spawnHerald } from "../helpers/process.js";
import { waitFor } from "../helpers/wait.js";

// A fan-out outlives the process writing it: killed with SIGKILL mid-way
// (chunks written, chunks in hand, chunks still to plan), a new process
// finishes it, and every member has exactly one notification, in Postgres and
// on a sample of live streams held by a third process that is never killed.
// FANOUT_CRASH_MEMBERS=1000000 runs the million-member trial (about
// ten minutes here); CI runs 20,000.

const prefix = uniquePrefix();
const members = Number(process.env.FANOUT_CRASH_MEMBERS ?? 20_000);
/** Time limits grow with the audience: a few thousand notifications a second on a busy 2-core machine. */
const scaled = (ms: number) => Math.max(ms, members);
let db: TestDatabase;
let adminKey: string;
let watcher: TestHerald;
const processes: HeraldProcess[] = [];
const memberId = (i: number) => `crash-${String(i).padStart(7, "0")}`;

async function startProcess(): Promise<HeraldProcess> {
  const p = await spawnHerald(
    // Small chunks and rounds: the kill lands while planning and writing are both under way.
    testEnv(db, prefix, { FANOUT_CHUNK_SIZE: "250", FANOUT_CHUNKS_PER_ROUND: "2", FANOUT_ACK_WAIT_MS: "10000" }),
    60_000,
  );
  processes.push(p);
  return p;
}

beforeAll(async () => {
  db = await createTestDatabase();
  // Holds the live streams; writes no chunk (no workers), so the fan-out's
  // writing is the spawned processes' alone.
  watcher = await startHerald({ db, natsPrefix: prefix, env: { WORKERS_ENABLED: "false" } });
  adminKey = await watcher.apiKey(["admin"]);
  const topics = serviceClient(TopicService, watcher.url, adminKey);
  await topics.createTopic({ key: "crash.everyone" });
  for (let from = 0; from < members; from += 10_000) {
    const userIds = Array.from({ length: Math.min(10_000, members - from) }, (_, i) => memberId(from + i));
    await topics.addSubscribers({ topicKey: "crash.everyone", userIds });
  }
}, scaled(120_000));

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop("SIGKILL")));
  await watcher?.close();
  await db?.close();
});

describe("a fan-out across a crash", () => {
  it(
    "reaches every member exactly once when its process is killed with SIGKILL and another takes over",
    async () => {
      // 20 members spread over the audience (so over many chunks) watch their feeds live.
      const sample = Array.from({ length: 20 }, (_, k) => memberId(Math.floor((k * members) / 20) + k));
      const watches = await Promise.all(
        sample.map(async (userId) => watchFeed(watcher.url, await watcher.userToken(userId), userId)),
      );
      await Promise.all(watches.map((w) => w.synced()));
      const first = await startProcess();
      const client = connectClient(first.url, adminKey);
      const { fanoutId } = await client.send({
        topics: ["crash.everyone"],
        category: "crash.fanout",
        title: "t",
        body: "b",
      });
      // Kill once some chunks are written and most are not.
      await waitFor(
        async () => {
          const [row] = await db.query<{ n: string }>(
            "SELECT count(*) AS n FROM notifications WHERE category = 'crash.fanout'",
          );
          return Number(row?.n) > 0;
        },
        60_000,
        "the first chunks",
        20,
      );
      expect(await first.stop("SIGKILL")).toBeNull();
      const [atKill] = await db.query<{ n: string }>(
        "SELECT count(*) AS n FROM notifications WHERE category = 'crash.fanout'",
      );
      expect(Number(atKill?.n)).toBeLessThan(members);

      const second = await startProcess();
      const after = connectClient(second.url, adminKey);
      const fanout = await waitFor(
        async () => {
          const { fanout } = await after.getFanout({ id: fanoutId });
          return fanout?.state === FanoutState.DONE ? fanout : undefined;
        },
        // JetStream hands chunks the dead process held to the new one after their ack wait (10 s here).
        scaled(180_000),
        "the fan-out to finish on the second process",
        250,
      );
      expect(Number(fanout.planned)).toBe(members);
      expect(Number(fanout.written)).toBe(members);
      const [counts] = await db.query<{ rows: string; users: string; most: string }>(
        `SELECT count(*) AS rows, count(DISTINCT user_id) AS users, max(n) AS most FROM
         (SELECT user_id, count(*) OVER (PARTITION BY user_id) AS n FROM notifications WHERE category = 'crash.fanout') x`,
      );
      expect([Number(counts?.rows), Number(counts?.users), Number(counts?.most)]).toEqual([members, members, 1]);
      // Each watched member's stream saw its one notification once: the one in Postgres.
      const rows = await db.query<{ user_id: string; id: string }>(
        "SELECT user_id, id::text AS id FROM notifications WHERE category = 'crash.fanout' AND user_id = ANY($1::text[])",
        [sample],
      );
      const byUser = new Map(rows.map((r) => [r.user_id, r.id]));
      for (const w of watches) {
        await waitFor(() => w.ids.length > 0, 30_000, `${w.userId}'s created event`);
        expect(w.ids).toEqual([byUser.get(w.userId)]);
        w.close();
      }
    },
    scaled(300_000) * 2,
  );
});
