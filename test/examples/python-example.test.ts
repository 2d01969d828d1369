import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient } from "../helpers/clients.js";
import { startHerald, type TestHerald, testEnv, uniquePrefix } from "../helpers/herald.js";
import { type HeraldProcess, spawnHerald } from "../helpers/process.js";
import { waitFor } from "../helpers/wait.js";
import { runExample } from "./python-runner.js";
import { expectTopicSendStored } from "./topic-send-stored.js";

const root = path.resolve(import.meta.dirname, "../..");
const example = path.join(root, "examples/python/follow_feed.py");
const escalationExample = path.join(root, "examples/python/escalation.py");
const streamExample = path.join(root, "examples/python/send_stream.py");
const topicExample = path.join(root, "examples/python/topic_send.py");

const prefix = uniquePrefix();
let herald: TestHerald;
const spawned: HeraldProcess[] = [];

beforeAll(async () => {
  // Email on (an SMTP server nobody listens on) so escalation.py's workflow,
  // whose last step emails after an hour, is accepted.
  herald = await startHerald({ natsPrefix: prefix, env: { SMTP_URL: "smtp://127.0.0.1:9?tls=off" } });
});
afterAll(async () => {
  await Promise.all(spawned.map((p) => p.stop()));
  await herald?.close();
});

describe("examples/python/follow_feed.py", () => {
  it("sends, follows, and after a Herald restart resumes from its cursor: every notification once, in order", async () => {
    const user = `py-example-${randomBytes(4).toString("hex")}`;
    const apiKey = await herald.apiKey(["send"]);
    const sender = connectClient(herald.url, apiKey);
    const send = async (title: string) =>
      (await sender.send({ userIds: [user], category: "example", title, body: "b" })).notifications[0]?.id as string;

    // The example follows a second Herald process, on the same Postgres and NATS.
    const first = await spawnHerald(testEnv(herald.db, prefix));
    spawned.push(first);
    const run = runExample(
      {
        HERALD_TARGET: `127.0.0.1:${first.port}`,
        HERALD_API_KEY: apiKey,
        HERALD_USER_TOKEN: await herald.userToken(user),
      },
      ["--user", user, "--send", "3", "--max-events", "7", "--timeout", "60"],
      example,
    );
    try {
      await run.until("the three notifications the example sent", () => run.ofKind("created").length === 3, 15_000);

      // Shutdown ends the example's stream with UNAVAILABLE; these three are sent
      // while nothing serves it, so it can only get them by resuming.
      expect(await first.stop("SIGTERM")).toBe(0);
      const missedTitles = ["Missed 1", "Missed 2", "Missed 3"];
      const missed: string[] = [];
      for (const title of missedTitles) missed.push(await send(title));
      const second = await spawnHerald({ ...testEnv(herald.db, prefix), PORT: String(first.port) });
      spawned.push(second);

      // Replay, then synced, then live: one more sent after the replay arrives live.
      await run.until("the replay after reconnecting", () => run.ofKind("synced").length === 2, 20_000);
      const live = await send("Live after restart");
      expect(await run.exitCode(10_000), run.output()).toBe(0);

      const sent = run.ofKind("sent");
      expect(sent.map((l) => l.title)).toEqual(["Hello 1 of 3", "Hello 2 of 3", "Hello 3 of 3"]);
      const created = run.ofKind("created");
      expect(created.map((l) => l.id)).toEqual([...sent.map((l) => l.id), ...missed, live]);
      expect(created.map((l) => l.title)).toEqual([...sent.map((l) => l.title), ...missedTitles, "Live after restart"]);
      // The example tags what it sends; the others are untagged.
      expect(created.slice(0, 3).map((l) => l.tags)).toEqual([["example"], ["example"], ["example"]]);
      const cursors = created.map((l) => Number(l.cursor));
      expect(cursors).toEqual([...cursors].sort((x, y) => x - y));

      // Every reconnect resumed from the last event seen before the restart.
      const reconnects = run.ofKind("reconnect");
      expect(reconnects.length).toBeGreaterThan(0);
      expect(reconnects[0]?.code).toBe("UNAVAILABLE");
      expect(reconnects.map((r) => r.cursor)).toEqual(reconnects.map(() => created[2]?.cursor));
      expect(run.lines.at(-1)).toEqual({ kind: "done", reason: "max-events" });
    } finally {
      if (run.child.exitCode === null) run.child.kill("SIGKILL");
    }
  }, 90_000);

  it("stops at once, without reconnecting, when Herald refuses the user token", async () => {
    const run = runExample(
      { HERALD_TARGET: `127.0.0.1:${herald.port}`, HERALD_USER_TOKEN: "not-a-token" },
      ["--user", `py-example-${randomBytes(4).toString("hex")}`, "--timeout", "20"],
      example,
    );
    try {
      expect(await run.exitCode(10_000), run.output()).toBe(1);
      expect(run.output()).toContain("Subscribe failed: UNAUTHENTICATED");
      expect(run.ofKind("reconnect")).toEqual([]);
    } finally {
      if (run.child.exitCode === null) run.child.kill("SIGKILL");
    }
  });
});

describe("examples/python/escalation.py", () => {
  it("upserts the escalation workflow, sends through it and prints the run", async () => {
    const user = `py-escalation-${randomBytes(4).toString("hex")}`;
    const env = { HERALD_TARGET: `127.0.0.1:${herald.port}`, HERALD_API_KEY: await herald.apiKey(["admin", "send"]) };
    const run = runExample(env, ["--user", user], escalationExample);
    try {
      expect(await run.exitCode(20_000), run.output()).toBe(0);
      const lines = run.lines as unknown as Array<Record<string, unknown>>;
      expect(lines[0]).toEqual({ kind: "workflow", key: "example-escalation", version: 1 });
      const sent = lines.find((l) => l.kind === "sent");
      const printed = lines.find((l) => l.kind === "run") as {
        notification_id: string;
        status: string;
        steps: Array<{ kind: string }>;
      };
      expect(printed.notification_id).toBe(sent?.id);
      expect(["RUNNING", "WAITING"]).toContain(printed.status);
      expect(printed.steps.map((s) => s.kind)).toEqual(["deliver", "delay", "condition", "deliver"]);
      // The first step puts it in the inbox at once; the email waits an hour.
      const reader = connectClient(herald.url, await herald.apiKey(["read"]));
      await waitFor(
        async () => (await reader.list({ userId: user })).notifications.some((n) => n.id === sent?.id),
        10_000,
      );
    } finally {
      if (run.child.exitCode === null) run.child.kill("SIGKILL");
    }
  });
});

describe("examples/python/send_stream.py", () => {
  it("streams 100 Sends (99 sent, 1 refused naming its field), then a batch of 10; Postgres has the sent ones", async () => {
    const prefix = `py-stream-${randomBytes(4).toString("hex")}`;
    const env = { HERALD_TARGET: `127.0.0.1:${herald.port}`, HERALD_API_KEY: await herald.apiKey(["send"]) };
    const run = runExample(env, ["--user-prefix", prefix], streamExample);
    try {
      expect(await run.exitCode(30_000), run.output()).toBe(0);
      expect(run.lines as unknown[], run.output()).toEqual([
        {
          kind: "stream_error",
          index: 50,
          ref: "order-50",
          code: "invalid_argument",
          field: "user_ids[0]",
          message: expect.stringContaining("user_ids[0]"),
        },
        { kind: "stream", sent: 99, errors: 1 },
        {
          kind: "batch_error",
          index: 9,
          code: "invalid_argument",
          field: "action_url",
          message: expect.stringContaining("action_url"),
        },
        { kind: "batch", sent: 9, errors: 1 },
      ]);
      const rows = await herald.db.query<{ category: string; count: string; users: string }>(
        `SELECT category, count(*), count(DISTINCT user_id) AS users FROM notifications
         WHERE user_id LIKE $1 OR user_id = 'not a user id' GROUP BY category ORDER BY category`,
        [`${prefix}-%`],
      );
      expect(rows.map((r) => [r.category, Number(r.count), Number(r.users)])).toEqual([
        ["example.batch", 9, 9],
        ["example.stream", 99, 99],
      ]);
      const [titles] = await herald.db.query<{ first: string; last: string }>(
        `SELECT min(title) FILTER (WHERE user_id = $1) AS first, min(title) FILTER (WHERE user_id = $2) AS last
         FROM notifications WHERE category = 'example.stream'`,
        [`${prefix}-0`, `${prefix}-99`],
      );
      expect(titles).toEqual({ first: "Order 0 shipped", last: "Order 99 shipped" });

      // Run again, as after a broken connection: the same idempotency keys get
      // the same answers and write nothing new.
      const retry = runExample(env, ["--user-prefix", prefix], streamExample);
      expect(await retry.exitCode(30_000), retry.output()).toBe(0);
      expect(retry.lines, retry.output()).toEqual(run.lines);
      const [stored] = await herald.db.query<{ count: string }>(
        "SELECT count(*) FROM notifications WHERE user_id LIKE $1",
        [`${prefix}-%`],
      );
      expect(Number(stored?.count)).toBe(99 + 9);
    } finally {
      if (run.child.exitCode === null) run.child.kill("SIGKILL");
    }
  });
});

describe("examples/python/topic_send.py", () => {
  it("creates a topic, adds 2,500 members in 3 calls, sends without the actor and waits for the fan-out", async () => {
    const suffix = randomBytes(4).toString("hex");
    const prefix = `py-topic-${suffix}`;
    const topic = `example.py.${suffix}`;
    const env = { HERALD_TARGET: `127.0.0.1:${herald.port}`, HERALD_ADMIN_KEY: await herald.apiKey(["admin"]) };
    const run = runExample(env, ["--topic", topic, "--user-prefix", prefix, "--members", "2500"], topicExample);
    try {
      expect(await run.exitCode(90_000), run.output()).toBe(0);
      const lines = run.lines as unknown as Array<Record<string, unknown>>;
      expect(lines, run.output()).toEqual([
        { kind: "topic", key: topic, created: true },
        { kind: "subscribers", added: 2500, subscriber_count: 2500, calls: 3 },
        { kind: "send", fanout_id: expect.stringMatching(/^[0-9a-f-]{36}$/) },
        {
          kind: "fanout",
          id: lines[2]?.fanout_id,
          state: "FANOUT_STATE_DONE",
          planned: 2499,
          written: 2499,
          failed: 0,
        },
        { kind: "inbox", user_id: `${prefix}-1`, titles: ["New comment on the example project"] },
      ]);
      await expectTopicSendStored(herald, prefix, 2500);
    } finally {
      if (run.child.exitCode === null) run.child.kill("SIGKILL");
    }
  }, 120_000);

  it("run again, reuses the topic (ALREADY_EXISTS), adds nobody and sends again", async () => {
    const suffix = randomBytes(4).toString("hex");
    const prefix = `py-topic-again-${suffix}`;
    const topic = `example.py.again.${suffix}`;
    const env = { HERALD_TARGET: `127.0.0.1:${herald.port}`, HERALD_ADMIN_KEY: await herald.apiKey(["admin"]) };
    const args = ["--topic", topic, "--user-prefix", prefix, "--members", "3", "--batch-size", "2"];
    for (const created of [true, false]) {
      const run = runExample(env, args, topicExample);
      try {
        expect(await run.exitCode(60_000), run.output()).toBe(0);
        const lines = run.lines as unknown as Array<Record<string, unknown>>;
        expect(lines.slice(0, 2), run.output()).toEqual([
          { kind: "topic", key: topic, created },
          { kind: "subscribers", added: created ? 3 : 0, subscriber_count: 3, calls: 2 },
        ]);
        expect(lines[3]).toMatchObject({ kind: "fanout", state: "FANOUT_STATE_DONE", planned: 2, written: 2 });
      } finally {
        if (run.child.exitCode === null) run.child.kill("SIGKILL");
      }
    }
    const [stored] = await herald.db.query<{ count: string }>(
      "SELECT count(*) FROM notifications WHERE category = 'example.topic' AND user_id LIKE $1",
      [`${prefix}-%`],
    );
    expect(Number(stored?.count)).toBe(2 * 2);
  }, 120_000);
});

describe("examples/python/snooze_feed.py", () => {
  it("snoozes a notification and sees it leave and come back on the live feed, first in List", async () => {
    const user = `py-snooze-${randomBytes(4).toString("hex")}`;
    const env = {
      HERALD_TARGET: `127.0.0.1:${herald.port}`,
      HERALD_API_KEY: await herald.apiKey(["send", "admin"]),
      HERALD_USER_TOKEN: await herald.userToken(user),
    };
    const run = runExample(env, ["--user", user, "--seconds", "2"], path.join(root, "examples/python/snooze_feed.py"));
    expect(await run.exitCode(60_000), run.output()).toBe(0);
    const lines = run.lines as unknown as Array<Record<string, unknown>>;
    const id = lines[0]?.id;
    expect(lines, run.output()).toEqual([
      { kind: "send", id: expect.stringMatching(/^[0-9a-f-]{36}$/), expires: expect.any(Number) },
      { kind: "snooze", changed: 1 },
      { kind: "changed", change: "CHANGE_KIND_SNOOZED" },
      { kind: "returned", id },
      { kind: "list", first: id },
    ]);
  });
});
