import { createServer } from "node:net";
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { WorkflowRunStatus, WorkflowSchema, type WorkflowStep } from "../../gen/ts/herald/v1/workflow_pb.js";
import { WorkflowService } from "../../gen/ts/herald/v1/workflow_service_pb.js";
import { connectClient, serviceClient } from "../helpers/clients.js";
import { settledDeliveries } from "../helpers/deliveries.js";
import { createTestDatabase, startHerald, type TestDatabase, testEnv, uniquePrefix } from "../helpers/herald.js";
import { type HeraldProcess, spawnHerald } from "../helpers/process.js";
import { type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp-receiver.js";
import { waitFor } from "../helpers/wait.js";

// Workflow delay timers across real Herald processes on the system clock: a
// timer outlives the process that created it (SIGKILL), and two processes
// polling the same `workflow_timers` table fire each timer once.

const prefix = uniquePrefix();
let db: TestDatabase;
let smtp: SmtpReceiver;
let adminKey: string;
const processes: HeraldProcess[] = [];
const metricsPorts = new Map<HeraldProcess, number>();

const deliver = (...channels: Channel[]): WorkflowStep =>
  ({ kind: { case: "deliver", value: { channels, templateKey: "" } } }) as WorkflowStep;
const delay = (ms: number): WorkflowStep =>
  ({ kind: { case: "delay", value: { until: { case: "duration", value: durationFromMs(ms) } } } }) as WorkflowStep;

/** A port free right now, for a spawned process's metrics server (METRICS_PORT=0 is not logged). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startProcess(): Promise<HeraldProcess> {
  const metricsPort = await freePort();
  const p = await spawnHerald(
    testEnv(db, prefix, {
      SMTP_URL: smtp.url,
      METRICS_PORT: String(metricsPort),
      METRICS_HOST: "127.0.0.1",
      // Small claims, so two processes polling together both get a share.
      WORKFLOW_TIMER_BATCH: "3",
    }),
    60_000,
  );
  processes.push(p);
  metricsPorts.set(p, metricsPort);
  return p;
}

/** How many workflow timers this process fired (the count of its timer-lag histogram). */
async function timersFiredBy(p: HeraldProcess): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${metricsPorts.get(p)}/metrics`);
  const text = await res.text();
  const line = text.split("\n").find((l) => l.startsWith("herald_workflow_timer_lag_seconds_count"));
  return Number(line?.split(/\s+/)[1] ?? 0);
}

const api = (p: HeraldProcess) => ({
  client: connectClient(p.url, adminKey),
  workflows: serviceClient(WorkflowService, p.url, adminKey),
  recipients: serviceClient(RecipientService, p.url, adminKey),
});

/** Sends to these users (one notification each) and returns notification id by user id. */
async function sendTo(p: HeraldProcess, userIds: string[], category: string): Promise<Map<string, string>> {
  const byUser = new Map<string, string>();
  for (let i = 0; i < userIds.length; i += 1000) {
    const { notifications } = await api(p).client.send({
      userIds: userIds.slice(i, i + 1000),
      category,
      title: `t-${category}`,
      body: "b",
    });
    for (const n of notifications) byUser.set(n.userId, n.id);
  }
  expect(byUser.size).toBe(userIds.length);
  return byUser;
}

const emailsTo = (userId: string) => smtp.messages.filter((m) => m.to.includes(`${userId}@example.com`));

async function timersOf(ids: string[]) {
  return db.query<{ notification_id: string; purpose: string; due_at: Date; overdue: boolean }>(
    "SELECT notification_id, purpose, due_at, due_at <= now() AS overdue FROM workflow_timers WHERE notification_id = ANY($1::uuid[])",
    [ids],
  );
}

async function emailDeliveryRows(ids: string[]) {
  return db.query<{ notification_id: string; n: number }>(
    "SELECT notification_id, count(*)::int AS n FROM deliveries WHERE channel = 'email' AND notification_id = ANY($1::uuid[]) GROUP BY notification_id",
    [ids],
  );
}

/** Everything a run of [delay, deliver email] must end with: one email per user, once, and nothing left waiting. */
async function expectDeliveredOnce(p: HeraldProcess, byUser: Map<string, string>, category: string) {
  const users = [...byUser.keys()];
  const ids = [...byUser.values()];
  const { client, workflows } = api(p);
  await waitFor(() => users.every((u) => emailsTo(u).length >= 1), 90_000, `an email to each of ${users.length} users`);
  await waitFor(async () => (await timersOf(ids)).length === 0, 30_000, "no timers left");
  const deliveryIds = new Map<string, string>();
  for (const [u, id] of byUser) {
    const [d] = await settledDeliveries(client, id, Channel.EMAIL, 30_000);
    expect(d?.status, `email delivery of ${u}`).toBe(DeliveryStatus.SENT);
    deliveryIds.set(u, d?.id as string);
  }
  // Time for a second firing or a redelivery to show up, if there were one.
  await new Promise((r) => setTimeout(r, 2000));

  for (const [u, id] of byUser) {
    const emails = emailsTo(u);
    expect(emails, `emails to ${u}`).toHaveLength(1);
    expect(emails[0]?.messageId).toBe(`<${deliveryIds.get(u)}@herald>`);
    expect(emails[0]?.subject).toBe(`t-${category}`);
    const { deliveries } = await client.getNotification({ id });
    expect(deliveries.filter((d) => d.channel === Channel.EMAIL)).toHaveLength(1);
    const { runs } = await workflows.listWorkflowRuns({ notificationId: id });
    expect(runs).toHaveLength(1);
    expect(runs[0]?.status, `run of ${u}`).toBe(WorkflowRunStatus.COMPLETED);
  }
  const mine = smtp.messages.filter((m) => users.some((u) => m.to.includes(`${u}@example.com`)));
  expect(mine).toHaveLength(users.length);
  expect(new Set(mine.map((m) => m.messageId)).size).toBe(users.length);
  const rows = await emailDeliveryRows(ids);
  expect(rows).toHaveLength(ids.length);
  expect(rows.every((r) => r.n === 1)).toBe(true);
  expect(await timersOf(ids)).toEqual([]);
  const [{ n: unfinished }] = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM workflow_runs WHERE notification_id = ANY($1::uuid[]) AND status <> 'completed'",
    [ids],
  );
  expect(unfinished).toBe(0);
}

beforeAll(async () => {
  db = await createTestDatabase();
  smtp = await startSmtpReceiver();
  // Migrates the database and makes the API key, then goes: an in-process
  // Herald would fire timers too.
  const setup = await startHerald({ db, natsPrefix: prefix, env: { SMTP_URL: smtp.url } });
  adminKey = await setup.apiKey(["admin", "send"]);
  await setup.close();
}, 120_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop("SIGKILL")));
  await smtp?.close();
  await db?.close();
});

describe("workflow timers across processes", () => {
  it("a timer pending when its process is killed with SIGKILL fires once after a new process starts", async () => {
    const first = await startProcess();
    const { workflows, recipients } = api(first);
    await workflows.upsertWorkflow({
      workflow: create(WorkflowSchema, {
        key: "crash-delay",
        categories: ["crash.*"],
        steps: [delay(3000), deliver(Channel.EMAIL)],
      }),
    });
    const users = Array.from({ length: 10 }, (_, i) => `crash-${i}`);
    for (const u of users) await recipients.upsertRecipient({ userId: u, email: `${u}@example.com` });

    const byUser = await sendTo(first, users, "crash.test");
    const ids = [...byUser.values()];
    // A Send starts each run with a `start` timer due at once; its firing runs
    // the delay step, which leaves the 3 s `delay` timer. Kill once those wait.
    await waitFor(
      async () => {
        const timers = await timersOf(ids);
        return timers.length === 10 && timers.every((t) => t.purpose === "delay");
      },
      20_000,
      "the delay timers of all 10 runs",
    );
    expect(await first.stop("SIGKILL")).toBeNull();
    const pending = await timersOf(ids);
    expect(pending).toHaveLength(10);
    expect(pending.every((t) => t.purpose === "delay" && !t.overdue)).toBe(true);

    // Past the due time with no process running: the timers wait, nothing went out.
    await waitFor(async () => (await timersOf(ids)).every((t) => t.overdue), 15_000, "the timers to be due");
    await new Promise((r) => setTimeout(r, 1000));
    expect(await timersOf(ids)).toHaveLength(10);
    expect(smtp.messages.filter((m) => users.some((u) => m.to.includes(`${u}@example.com`)))).toEqual([]);
    expect(await emailDeliveryRows(ids)).toEqual([]);

    const second = await startProcess();
    await expectDeliveredOnce(second, byUser, "crash.test");
    // Out of the way of the next test, which counts what each of its processes fired.
    expect(await second.stop("SIGTERM")).toBe(0);
  }, 240_000);

  it("two processes fire each timer once", async () => {
    // Only these two may fire timers here (a process the test before left behind would count too).
    for (const p of processes) await p.stop("SIGTERM");
    const [a, b] = [await startProcess(), await startProcess()];
    const { workflows, recipients } = api(a);
    await workflows.upsertWorkflow({
      workflow: create(WorkflowSchema, {
        key: "shared-delay",
        categories: ["shared.*"],
        steps: [delay(2000), deliver(Channel.EMAIL)],
      }),
    });
    const users = Array.from({ length: 60 }, (_, i) => `shared-${i}`);
    for (const u of users) await recipients.upsertRecipient({ userId: u, email: `${u}@example.com` });
    const before = { a: await timersFiredBy(a), b: await timersFiredBy(b) };

    // Half sent through each process, so both start runs and both hold due timers.
    const byUser = new Map([
      ...(await sendTo(a, users.slice(0, 30), "shared.test")),
      ...(await sendTo(b, users.slice(30), "shared.test")),
    ]);
    await expectDeliveredOnce(a, byUser, "shared.test");

    const fired = { a: (await timersFiredBy(a)) - before.a, b: (await timersFiredBy(b)) - before.b };
    console.info(`workflow timers fired: process A ${fired.a}, process B ${fired.b}`);
    // Each run has two timers (its `start` timer and its delay), and each fired
    // once, in one process or the other; both processes took part.
    expect(fired.a + fired.b).toBe(120);
    expect(fired.a).toBeGreaterThan(0);
    expect(fired.b).toBeGreaterThan(0);
  }, 240_000);
});
