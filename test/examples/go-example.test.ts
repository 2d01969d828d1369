import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { TopicService } from "../../gen/ts/herald/v1/topic_service_pb.js";
import { connectClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { waitFor } from "../helpers/wait.js";
import { expectTopicSendStored } from "./topic-send-stored.js";

// The Go example (examples/go) built once and run against a real Herald over
// both of its transports; it is documentation, so it must keep working.
const exampleDir = path.resolve(import.meta.dirname, "../../examples/go");
const run = promisify(execFile);
let herald: TestHerald;
let tmp: string;
let binary: string;
let streamBinary: string;
let topicBinary: string;
let snoozeBinary: string;
let sendReadKey: string;
let readKey: string;
let adminKey: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "herald-go-example-"));
  binary = path.join(tmp, "herald-example");
  streamBinary = path.join(tmp, "herald-sendstream");
  topicBinary = path.join(tmp, "herald-topicsend");
  snoozeBinary = path.join(tmp, "herald-snooze");
  // A cold module and build cache takes tens of seconds; a warm one about one.
  const [started] = await Promise.all([
    // Email must be on for the example's workflow (its last step emails); the
    // delay is an hour, so nothing is sent to this address during the test.
    startHerald({ env: { SMTP_URL: "smtp://127.0.0.1:9?tls=off" } }),
    // One build after the other: they share the module cache and the machine is small.
    run("go", ["build", "-o", binary, "."], { cwd: exampleDir, timeout: 180_000 })
      .then(() => run("go", ["build", "-o", streamBinary, "./sendstream"], { cwd: exampleDir, timeout: 180_000 }))
      .then(() => run("go", ["build", "-o", topicBinary, "./topicsend"], { cwd: exampleDir, timeout: 180_000 }))
      .then(() => run("go", ["build", "-o", snoozeBinary, "./snooze"], { cwd: exampleDir, timeout: 180_000 })),
  ]);
  herald = started;
  sendReadKey = await herald.apiKey(["send", "read"]);
  readKey = await herald.apiKey(["read"]);
  adminKey = await herald.apiKey(["admin"]);
}, 240_000);
afterAll(async () => {
  await herald?.close();
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
});

it.each(["grpc", "connect"] as const)(
  "over %s: sends idempotently, lists the inbox, is denied with a read-only key and runs a workflow",
  async (transport) => {
    const suffix = randomBytes(4).toString("hex");
    const user = `go-${transport}-${suffix}`;
    const idempotencyKey = `go-example-${transport}-${suffix}`;
    const { stdout, stderr } = await run(
      binary,
      ["-transport", transport, "-user", user, "-idempotency-key", idempotencyKey],
      {
        env: {
          ...process.env,
          HERALD_URL: herald.url,
          HERALD_API_KEY: sendReadKey,
          HERALD_READ_ONLY_KEY: readKey,
          HERALD_ADMIN_KEY: adminKey,
        },
        timeout: 30_000,
      },
    );
    const steps = Object.fromEntries(
      stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .map((step) => [step.step, step]),
    );

    expect(steps.send).toEqual({ step: "send", id: expect.any(String), transport, idempotency_key: idempotencyKey });
    const id = steps.send?.id as string;
    expect(steps.resend).toEqual({ step: "resend", id, same: true });
    expect(steps.list).toEqual({ step: "list", unread: 1, titles: ["Hello from Go"], tabs: { all: 1, examples: 1 } });
    expect(steps.interact).toEqual({ step: "interact", action_id: "ack", unread: 0 });
    expect(steps.denied).toEqual({ step: "denied", code: "permission_denied" });
    expect(steps.workflow, stderr).toEqual({ step: "workflow", key: "example-escalation", version: 1 });
    const wfRun = steps.workflow_run as {
      notification_id: string;
      status: string;
      steps: Array<{ kind: string; state: string }>;
    };
    expect(wfRun).toMatchObject({ step: "workflow_run", workflow_key: "example-escalation", id: expect.any(String) });
    expect(wfRun.steps.map((s) => s.kind)).toEqual(["deliver", "delay", "condition", "deliver"]);
    expect(["WORKFLOW_RUN_STATUS_RUNNING", "WORKFLOW_RUN_STATUS_WAITING"]).toContain(wfRun.status);

    // The server's own view: the retry and the denied Send created nothing more.
    const inbox = await connectClient(herald.url, readKey).list({ userId: user, category: "example.go" });
    expect(inbox.notifications.map((n) => [n.id, n.category, n.title])).toEqual([[id, "example.go", "Hello from Go"]]);
    // The workflow's notification lands in-app at once (its first step) and
    // waits for the hour before its email; the first one is read (the action taken).
    await waitFor(async () => {
      const all = await connectClient(herald.url, readKey).list({ userId: user });
      return all.notifications.some((n) => n.id === wfRun.notification_id) && all.unreadCount === 1;
    }, 10_000);
  },
  60_000,
);

it.each(["grpc", "connect"] as const)(
  "sendstream over %s: streams 100 Sends, 99 sent and 1 refused naming its field, then a batch of 10",
  async (transport) => {
    const prefix = `go-stream-${transport}-${randomBytes(4).toString("hex")}`;
    const { stdout, stderr } = await run(streamBinary, ["-transport", transport, "-user-prefix", prefix], {
      env: { ...process.env, HERALD_URL: herald.url, HERALD_API_KEY: sendReadKey },
      timeout: 60_000,
    });
    const lines = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines, stderr).toEqual([
      {
        step: "stream_error",
        index: 50,
        ref: "order-50",
        code: "invalid_argument",
        field: "user_ids[0]",
        message: expect.stringContaining("user_ids[0]"),
      },
      { step: "stream", transport, sent: 99, errors: 1 },
      {
        step: "batch_error",
        index: 9,
        code: "invalid_argument",
        field: "action_url",
        message: expect.stringContaining("action_url"),
      },
      { step: "batch", sent: 9, errors: 1 },
    ]);

    // Postgres holds what the answers said was sent, and nothing of the refused items.
    const rows = await herald.db.query<{ category: string; count: string; users: string }>(
      `SELECT category, count(*), count(DISTINCT user_id) AS users FROM notifications
       WHERE user_id LIKE $1 GROUP BY category ORDER BY category`,
      [`${prefix}-%`],
    );
    expect(rows.map((r) => [r.category, Number(r.count), Number(r.users)])).toEqual([
      ["example.batch", 9, 9],
      ["example.stream", 99, 99],
    ]);
    const [refused] = await herald.db.query<{ count: string }>(
      "SELECT count(*) FROM notifications WHERE user_id IN ($1, $2)",
      [`${prefix}-50`, "not a user id"],
    );
    expect(Number(refused?.count)).toBe(0);
  },
  90_000,
);

it("topicsend: reuses an existing topic, adds the missing members, sends without the actor and waits for the fan-out", async () => {
  const suffix = randomBytes(4).toString("hex");
  const prefix = `go-topic-${suffix}`;
  const topic = `example.go.${suffix}`;
  // As on a re-run: the topic exists already and holds the first 500 members.
  const topics = serviceClient(TopicService, herald.url, adminKey);
  await topics.createTopic({ key: topic });
  await topics.addSubscribers({ topicKey: topic, userIds: Array.from({ length: 500 }, (_, i) => `${prefix}-${i}`) });

  const { stdout, stderr } = await run(topicBinary, ["-topic", topic, "-user-prefix", prefix, "-members", "2500"], {
    env: { ...process.env, HERALD_URL: herald.url, HERALD_ADMIN_KEY: adminKey },
    timeout: 90_000,
  });
  const lines = stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines, stderr).toEqual([
    { step: "topic", key: topic, created: false },
    { step: "subscribers", added: 2000, subscriber_count: 2500, calls: 3 },
    { step: "send", fanout_id: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    {
      step: "fanout",
      id: lines[2]?.fanout_id,
      state: "FANOUT_STATE_DONE",
      planned: 2499,
      written: 2499,
      failed: 0,
    },
    { step: "inbox", user_id: `${prefix}-1`, titles: ["New comment on the example project"] },
  ]);
  await expectTopicSendStored(herald, prefix, 2500);
}, 120_000);

it("the snooze example sends with a ttl, snoozes, lists the snoozed and wakes them", async () => {
  const user = `go-snooze-${randomBytes(4).toString("hex")}`;
  const { stdout, stderr } = await run(snoozeBinary, ["-user", user], {
    env: { ...process.env, HERALD_URL: herald.url, HERALD_API_KEY: await herald.apiKey(["send", "admin"]) },
    timeout: 60_000,
  });
  const lines = stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines, stderr).toEqual([
    { step: "send", expires: expect.any(Number) },
    { step: "snooze", changed: 1, unread: 1 },
    { step: "list", inbox: ["Flash sale, one hour"], snoozed: ["Read me later"] },
    { step: "unsnooze", changed: 1, unread: 2 },
  ]);
});
