import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FanoutState } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { TopicService } from "../../gen/ts/herald/v1/topic_service_pb.js";
import { connectClient, serviceClient } from "../helpers/clients.js";
import { createTestDatabase, startHerald, type TestDatabase, testEnv, uniquePrefix } from "../helpers/herald.js";
import { type HeraldProcess, spawnHerald } from "../helpers/process.js";
import { waitFor } from "../helpers/wait.js";

// A fan-out outlives the process writing it: killed with SIGKILL mid-way
// (chunks written, chunks in hand, chunks still to plan), a new process
// finishes it, and every member has exactly one notification.

const prefix = uniquePrefix();
const members = 20_000;
let db: TestDatabase;
let adminKey: string;
const processes: HeraldProcess[] = [];

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
  const setup = await startHerald({ db, natsPrefix: prefix });
  adminKey = await setup.apiKey(["admin"]);
  const topics = serviceClient(TopicService, setup.url, adminKey);
  await topics.createTopic({ key: "crash.everyone" });
  for (let from = 0; from < members; from += 10_000) {
    const userIds = Array.from({ length: 10_000 }, (_, i) => `crash-${String(from + i).padStart(6, "0")}`);
    await topics.addSubscribers({ topicKey: "crash.everyone", userIds });
  }
  await setup.close();
}, 120_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop("SIGKILL")));
  await db?.close();
});

describe("a fan-out across a crash", () => {
  it("reaches every member exactly once when its process is killed with SIGKILL and another takes over", async () => {
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
      180_000,
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
  }, 300_000);
});
