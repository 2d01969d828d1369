import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeKind } from "../../gen/ts/herald/v1/feed_pb.js";
import { Channel, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { TemplateService } from "../../gen/ts/herald/v1/template_service_pb.js";
import {
  ThrottleAction,
  type Workflow,
  WorkflowRunStatus,
  WorkflowSchema,
  type WorkflowStep,
  WorkflowStepState,
} from "../../gen/ts/herald/v1/workflow_pb.js";
import { WorkflowService } from "../../gen/ts/herald/v1/workflow_service_pb.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { type ManualClock, manualClock } from "../helpers/manual-clock.js";
import { type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp-receiver.js";
import { waitFor } from "../helpers/wait.js";

// Workflows end to end through the public API: a real Herald (Postgres,
// NATS, its own delivery workers) and a real SMTP server on loopback. The
// workflow clock is a manual one: a test moves it an hour ahead instead of
// waiting an hour.

const hour = 3_600_000;
let smtp: SmtpReceiver;
let clock: ManualClock;
let herald: TestHerald;
let client: HeraldClient;
let workflows: ReturnType<typeof serviceClient<typeof WorkflowService>>;
let recipients: ReturnType<typeof serviceClient<typeof RecipientService>>;

const deliver = (...channels: Channel[]): WorkflowStep =>
  ({ kind: { case: "deliver", value: { channels, templateKey: "" } } }) as WorkflowStep;
const delay = (ms: number): WorkflowStep =>
  ({ kind: { case: "delay", value: { until: { case: "duration", value: durationFromMs(ms) } } } }) as WorkflowStep;
const condition = (expression: string): WorkflowStep =>
  ({ kind: { case: "condition", value: { expression } } }) as WorkflowStep;

async function upsert(w: MessageInitShape<typeof WorkflowSchema>): Promise<Workflow> {
  const { workflow } = await workflows.upsertWorkflow({ workflow: create(WorkflowSchema, w) });
  return workflow as Workflow;
}

async function user(id: string, timezone = ""): Promise<string> {
  await recipients.upsertRecipient({ userId: id, email: `${id}@example.com`, timezone });
  return id;
}

async function send(userId: string, category: string, extra: Record<string, unknown> = {}) {
  const { notifications } = await client.send({
    userIds: [userId],
    category,
    title: `t-${category}`,
    body: "b",
    ...extra,
  });
  return notifications[0]?.id as string;
}

/** Moves the clock and waits until every timer due by then has fired. */
async function advance(ms: number): Promise<void> {
  clock.advance(ms);
  await settleTimers();
}

async function settleTimers(): Promise<void> {
  await waitFor(
    async () => {
      const [row] = await herald.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM workflow_timers WHERE due_at <= $1",
        [clock.now()],
      );
      return row?.n === 0;
    },
    15_000,
    "due workflow timers to fire",
  );
}

async function runOf(notificationId: string) {
  const { runs } = await workflows.listWorkflowRuns({ notificationId });
  expect(runs).toHaveLength(1);
  return runs[0] as NonNullable<(typeof runs)[number]>;
}

const emailsTo = (userId: string) => smtp.messages.filter((m) => m.to.includes(`${userId}@example.com`));

async function emailDeliveries(notificationId: string) {
  const { deliveries } = await client.getNotification({ id: notificationId });
  return deliveries.filter((d) => d.channel === Channel.EMAIL);
}

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  clock = manualClock(new Date("2026-06-01T12:00:00Z"));
  herald = await startHerald({ clock, env: { SMTP_URL: smtp.url } });
  const key = await herald.apiKey(["admin", "send"]);
  client = connectClient(herald.url, key);
  workflows = serviceClient(WorkflowService, herald.url, key);
  recipients = serviceClient(RecipientService, herald.url, key);
  await upsert({
    key: "escalate",
    categories: ["comments.*"],
    steps: [deliver(Channel.IN_APP), delay(hour), condition("!notification.read"), deliver(Channel.EMAIL)],
  });
}, 60_000);

afterAll(async () => {
  await herald?.close();
  await smtp?.close();
});

describe("escalation", () => {
  it("emails a notification still unread after the delay, and shows it in-app at once", async () => {
    const u = await user("esc-unread");
    const id = await send(u, "comments.new");
    await waitFor(async () => (await client.list({ userId: u })).notifications.some((n) => n.id === id), 10_000);
    await advance(hour - 1000);
    expect(emailsTo(u)).toHaveLength(0);
    await advance(1000);
    const [email] = await smtp.waitForMessages(1).then(() => waitFor(() => emailsTo(u).length > 0 && emailsTo(u)));
    expect(email?.subject).toBe("t-comments.new");
    const run = await runOf(id);
    expect(run.status).toBe(WorkflowRunStatus.COMPLETED);
    expect(run.workflowVersion).toBe(1);
    expect(run.steps.map((s) => s.state)).toEqual([
      WorkflowStepState.DONE,
      WorkflowStepState.DONE,
      WorkflowStepState.DONE,
      WorkflowStepState.DONE,
    ]);
  });

  it("sends no email when the notification is read a moment before the delay ends", async () => {
    const u = await user("esc-read");
    const id = await send(u, "comments.new");
    await waitFor(async () => (await client.list({ userId: u })).notifications.some((n) => n.id === id), 10_000);
    await advance(hour - 1);
    await client.markRead({ userId: u, notificationIds: [id], change: ChangeKind.READ });
    await advance(hour);
    const run = await runOf(id);
    expect(run.status).toBe(WorkflowRunStatus.COMPLETED);
    expect(run.steps[1]?.state).toBe(WorkflowStepState.CANCELED);
    expect(run.steps[1]?.reason).toBe("canceled: read");
    expect(run.steps[3]?.state).toBe(WorkflowStepState.SKIPPED);
    expect(await emailDeliveries(id)).toHaveLength(0);
  });

  it("never lets a read and the escalation timer both win when they race", async () => {
    const rounds = 12;
    const ids: Array<{ u: string; id: string }> = [];
    for (let i = 0; i < rounds; i++) {
      const u = await user(`esc-race-${i}`);
      ids.push({ u, id: await send(u, "comments.new") });
    }
    for (const { u, id } of ids) {
      await waitFor(async () => (await client.list({ userId: u })).notifications.some((n) => n.id === id), 10_000);
    }
    // All timers become due together while the reads go in: each read meets
    // its timer before, during or after the firing round.
    clock.advance(hour);
    await Promise.all(
      ids.map(({ u, id }, i) =>
        new Promise((r) => setTimeout(r, i * 7)).then(() =>
          client.markRead({ userId: u, notificationIds: [id], change: ChangeKind.READ }),
        ),
      ),
    );
    await settleTimers();
    const outcomes = { read: 0, timer: 0 };
    for (const { id } of ids) {
      const run = await runOf(id);
      const emails = await emailDeliveries(id);
      const canceled = run.steps[1]?.state === WorkflowStepState.CANCELED;
      const escalated = run.steps[2]?.reason === "true";
      // Exactly one side won: the read (no email) or the timer (the condition
      // saw the notification unread, and the email went out).
      expect(canceled !== escalated).toBe(true);
      expect(emails).toHaveLength(escalated ? 1 : 0);
      outcomes[escalated ? "timer" : "read"] += 1;
    }
    console.log(`read/timer race: ${JSON.stringify(outcomes)}`);
  });
});

describe("digest", () => {
  it("sends one email listing the notifications of the window; one after it starts a new digest", async () => {
    const templates = serviceClient(TemplateService, herald.url, (await herald.apiKey(["admin"])) as string);
    await templates.upsertTemplate({
      template: {
        key: "comment-digest",
        channel: Channel.EMAIL,
        locale: "en",
        content: {
          case: "email",
          value: {
            subject: "{{event_count}} new comments",
            text: "{{#each events}}- {{title}}\n{{/each}}",
            html: "<ul>{{#each events}}<li>{{title}}</li>{{/each}}</ul>",
          },
        },
      },
    });
    await upsert({
      key: "digest-comments",
      categories: ["digest.comment"],
      steps: [
        {
          kind: {
            case: "digest",
            value: { keyPath: "", window: { case: "duration", value: durationFromMs(10 * 60_000) }, maxCount: 0 },
          },
        } as WorkflowStep,
        {
          kind: { case: "deliver", value: { channels: [Channel.EMAIL], templateKey: "comment-digest" } },
        } as WorkflowStep,
      ],
    });
    const u = await user("dig");
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      ids.push(
        (await client.send({ userIds: [u], category: "digest.comment", title: `c${i}`, body: "b" })).notifications[0]
          ?.id as string,
      );
      await settleTimers();
    }
    await advance(10 * 60_000);
    const [first] = await waitFor(() => emailsTo(u).length >= 1 && emailsTo(u), 15_000);
    expect(first?.subject).toBe("10 new comments");
    for (let i = 0; i < 10; i++) expect(first?.text).toContain(`- c${i}\n`);
    const { digest } = await client.getNotification({ id: ids[4] as string });
    expect(digest?.notificationIds).toEqual(ids);
    expect(digest?.notificationId).toBe(ids[0]);
    expect((await runOf(ids[4] as string)).status).toBe(WorkflowRunStatus.DIGESTED);

    await client.send({ userIds: [u], category: "digest.comment", title: "c10", body: "b" });
    await settleTimers();
    await advance(10 * 60_000);
    const [, second] = await waitFor(() => emailsTo(u).length >= 2 && emailsTo(u), 15_000);
    expect(second?.subject).toBe("1 new comments");
    expect(emailsTo(u)).toHaveLength(2);
  });
});

describe("throttle", () => {
  it("lets 3 of 5 through in an hour and records the other 2 as suppressed, throttled", async () => {
    await upsert({
      key: "throttled",
      categories: ["alerts.cpu"],
      steps: [
        {
          kind: {
            case: "throttle",
            value: { limit: 3, window: durationFromMs(hour), keyPath: "", onExceed: ThrottleAction.SUPPRESS },
          },
        } as WorkflowStep,
        deliver(Channel.EMAIL),
      ],
    });
    const u = await user("thr");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await send(u, "alerts.cpu"));
      await settleTimers();
    }
    await waitFor(() => emailsTo(u).length >= 3, 15_000);
    const statuses = [];
    for (const id of ids) statuses.push((await emailDeliveries(id))[0]);
    expect(statuses.filter((d) => d?.status === DeliveryStatus.SUPPRESSED)).toHaveLength(2);
    expect(
      statuses.filter((d) => d?.status === DeliveryStatus.SUPPRESSED).every((d) => d?.lastError === "throttled"),
    ).toBe(true);
    expect((await runOf(ids[4] as string)).steps[0]?.reason).toContain("throttled");
    // An hour later the window has moved on.
    clock.advance(hour + 1);
    const later = await send(u, "alerts.cpu");
    await settleTimers();
    await waitFor(async () => (await emailDeliveries(later))[0]?.status === DeliveryStatus.SENT, 15_000);
  });
});

describe("quiet hours", () => {
  const cases = [
    // Berlin springs forward at 02:00 on 2026-03-29: 07:00 CEST is 05:00Z.
    { zone: "Europe/Berlin", at: "2026-03-28T21:30:00Z", end: "2026-03-29T05:00:00.000Z" },
    // New York falls back at 02:00 on 2026-11-01: 07:00 EST is 12:00Z.
    { zone: "America/New_York", at: "2026-11-01T02:30:00Z", end: "2026-11-01T12:00:00.000Z" },
  ];
  for (const c of cases) {
    it(`holds email until quiet hours end in ${c.zone} across the DST switch; in-app lands at once`, async () => {
      await upsert({ key: "quiet", categories: ["quiet.test"], steps: [deliver(Channel.IN_APP, Channel.EMAIL)] });
      const u = await user(`quiet-${c.zone.replace("/", "-").toLowerCase()}`, c.zone);
      await client.updatePreferences({
        userId: u,
        quietHours: {
          window: { start: { hour: 22, minute: 0 }, end: { hour: 7, minute: 0 } },
          channels: [],
          timezone: "",
        },
      } as never);
      clock.set(new Date(c.at));
      const id = await send(u, "quiet.test");
      await settleTimers();
      await waitFor(async () => (await client.list({ userId: u })).notifications.some((n) => n.id === id), 10_000);
      const run = await runOf(id);
      expect(run.status).toBe(WorkflowRunStatus.WAITING);
      expect(run.steps[0]?.dueTime && new Date(Number(run.steps[0].dueTime.seconds) * 1000).toISOString()).toBe(c.end);
      clock.set(new Date(new Date(c.end).getTime() - 1000));
      await settleTimers();
      expect(await emailDeliveries(id)).toHaveLength(0);
      clock.set(new Date(c.end));
      await settleTimers();
      await waitFor(() => emailsTo(u).length === 1, 15_000);
    });
  }
});

describe("cancellation and versions", () => {
  it("CancelWorkflows cancels pending runs sent with the key", async () => {
    await upsert({ key: "reminder", categories: ["order.unpaid"], steps: [delay(hour), deliver(Channel.EMAIL)] });
    const u = await user("cancel");
    const other = await user("cancel-other");
    const id = await send(u, "order.unpaid", { cancellationKey: "order-1" });
    const kept = await send(other, "order.unpaid", { cancellationKey: "order-1" });
    await settleTimers();
    const { canceledCount } = await workflows.cancelWorkflows({ cancellationKey: "order-1", userIds: [u] });
    expect(canceledCount).toBe(1);
    await advance(hour);
    expect((await runOf(id)).status).toBe(WorkflowRunStatus.CANCELED);
    expect(await emailDeliveries(id)).toHaveLength(0);
    await waitFor(async () => (await emailDeliveries(kept)).length === 1, 15_000);
  });

  it("runs pending when the workflow changes finish on the version they started with", async () => {
    await upsert({ key: "versioned", categories: ["ver.test"], steps: [delay(hour), deliver(Channel.EMAIL)] });
    const u = await user("ver");
    const id = await send(u, "ver.test");
    await settleTimers();
    const v2 = await upsert({
      key: "versioned",
      categories: ["ver.test"],
      steps: [delay(hour), deliver(Channel.IN_APP)],
    });
    expect(v2.version).toBe(2);
    await advance(hour);
    const run = await runOf(id);
    expect(run.workflowVersion).toBe(1);
    await waitFor(async () => (await emailDeliveries(id)).length === 1, 15_000);
    const later = await send(u, "ver.test");
    await settleTimers();
    expect((await runOf(later)).workflowVersion).toBe(2);
  });

  it("refuses a Send naming a workflow that does not exist, or channels with a workflow", async () => {
    const u = await user("bad-send");
    const missing = await client
      .send({ userIds: [u], category: "x.y", title: "t", body: "b", workflow: "nope" })
      .catch((e) => e);
    expect(ConnectError.from(missing).code).toBe(Code.NotFound);
    const both = await client
      .send({ userIds: [u], category: "comments.new", title: "t", body: "b", channels: [Channel.EMAIL] })
      .catch((e) => e);
    expect(ConnectError.from(both).code).toBe(Code.InvalidArgument);
    expect(ConnectError.from(both).rawMessage).toContain("channels");
  });
});

describe("workflows across processes", () => {
  it("a workflow stored on one process applies to Sends on another at once (its pattern cache hears the change)", async () => {
    const other = await startHerald({
      db: herald.db,
      natsPrefix: herald.config.nats.prefix,
      clock,
      env: { SMTP_URL: smtp.url, WORKFLOW_PATTERNS_TTL_MS: "3600000" },
    });
    try {
      const otherClient = connectClient(other.url, await other.apiKey(["send", "read"]));
      const u = await user("cross");
      // The other process loads the patterns (none claim `cross.*` yet) and keeps them for an hour.
      const before = (await otherClient.send({ userIds: [u], category: "cross.test", title: "t", body: "b" }))
        .notifications[0]?.id as string;
      expect((await workflows.listWorkflowRuns({ notificationId: before })).runs).toHaveLength(0);
      await upsert({ key: "cross", categories: ["cross.*"], steps: [deliver(Channel.IN_APP)] });
      await waitFor(
        async () => {
          const id = (await otherClient.send({ userIds: [u], category: "cross.test", title: "t", body: "b" }))
            .notifications[0]?.id as string;
          return (await workflows.listWorkflowRuns({ notificationId: id })).runs.length === 1;
        },
        10_000,
        "the other process to run the new workflow",
      );
    } finally {
      await other.close();
    }
  });
});

describe("metrics", () => {
  it("show pending workflow timers and how late timers fired", async () => {
    await upsert({ key: "metered", categories: ["metered.test"], steps: [delay(hour), deliver(Channel.IN_APP)] });
    const u = await user("metered");
    for (let i = 0; i < 3; i++) await send(u, "metered.test");
    await settleTimers();
    const scrape = async () => (await fetch(`http://127.0.0.1:${herald.app.metricsPort}/metrics`)).text();
    const series = (text: string, name: string) =>
      Number(
        text
          .split("\n")
          .find((l) => l.startsWith(`${name} `))
          ?.split(" ")
          .at(-1),
      );
    await waitFor(
      async () => series(await scrape(), "herald_workflow_timers_pending") >= 3,
      15_000,
      "the pending gauge",
    );
    const text = await scrape();
    expect(series(text, "herald_workflow_timer_oldest_overdue_seconds")).toBeGreaterThanOrEqual(0);
    expect(series(text, "herald_workflow_timer_lag_seconds_count")).toBeGreaterThan(0);
  });
});
