import { randomUUID } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import {
  ThrottleAction,
  WorkflowRunStatus,
  type WorkflowSchema,
  WorkflowStepState,
} from "../../gen/ts/herald/v1/workflow_pb.js";
import { channelToPb } from "../../src/contract/notification.js";
import { channelIds } from "../../src/domain/channel.js";
import { connectClient, type HeraldClient, type WorkflowClient, workflowClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

type WorkflowInit = MessageInitShape<typeof WorkflowSchema>;

let herald: TestHerald;
let admin: HeraldClient;
let workflows: WorkflowClient;

beforeAll(async () => {
  herald = await startHerald();
  const key = await herald.apiKey(["admin"]);
  admin = connectClient(herald.url, key);
  workflows = workflowClient(herald.url, key);
});
afterAll(() => herald.close());

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => ConnectError.from(e),
  );

const deliverInApp = { kind: { case: "deliver" as const, value: { channels: [Channel.IN_APP] } } };
const minimal = (key: string, extra: Partial<WorkflowInit> = {}): WorkflowInit =>
  ({ key, steps: [deliverInApp], ...extra }) as WorkflowInit;

describe("WorkflowService: versions", () => {
  it("makes version 1, keeps it for the same workflow, and makes version 2 for a change", async () => {
    const first = await workflows.upsertWorkflow({ workflow: minimal("versions", { description: "one" }) });
    expect(first.workflow).toMatchObject({ key: "versions", version: 1, description: "one" });
    expect(first.workflow?.updateTime).toBeDefined();
    const again = await workflows.upsertWorkflow({ workflow: minimal("versions", { description: "one" }) });
    expect(again.workflow?.version).toBe(1);
    const changed = await workflows.upsertWorkflow({ workflow: minimal("versions", { description: "two" }) });
    expect(changed.workflow?.version).toBe(2);

    expect((await workflows.getWorkflow({ key: "versions" })).workflow).toMatchObject({
      version: 2,
      description: "two",
    });
    expect((await workflows.getWorkflow({ key: "versions", version: 1 })).workflow).toMatchObject({
      version: 1,
      description: "one",
    });
    expect((await errorOf(workflows.getWorkflow({ key: "versions", version: 3 })))?.code).toBe(Code.NotFound);
    // Past the largest version Postgres stores: still just not found.
    expect((await errorOf(workflows.getWorkflow({ key: "versions", version: 4_294_967_295 })))?.code).toBe(
      Code.NotFound,
    );
    expect((await errorOf(workflows.getWorkflow({ key: "never-made" })))?.code).toBe(Code.NotFound);
  });

  it("returns every kind of step as it was written", async () => {
    const workflow: WorkflowInit = {
      key: "every-step",
      description: "all kinds",
      categories: ["kinds.*", "kinds.exact"],
      steps: [
        { kind: { case: "throttle", value: { limit: 5, window: { seconds: 3600n }, keyPath: "project.id" } } },
        {
          kind: {
            case: "throttle",
            value: { limit: 1, window: { seconds: 60n, nanos: 500_000_000 }, onExceed: ThrottleAction.DIGEST },
          },
        },
        { kind: { case: "delay", value: { until: { case: "duration", value: { seconds: 90n } } } } },
        { kind: { case: "delay", value: { until: { case: "dataPath", value: "meeting.starts_at" } } } },
        { kind: { case: "delay", value: { until: { case: "localTime", value: { hour: 9, minute: 30 } } } } },
        { kind: { case: "condition", value: { expression: "!notification.read" } } },
        { kind: { case: "digest", value: { keyPath: "", window: { case: "duration", value: { seconds: 600n } } } } },
        {
          kind: {
            case: "digest",
            value: { keyPath: "project.id", window: { case: "dailyAt", value: { hour: 8 } }, maxCount: 50 },
          },
        },
        { kind: { case: "deliver", value: { channels: [Channel.IN_APP], templateKey: "digest.daily" } } },
      ],
      sendWindow: { weekdays: [1, 2, 3, 4, 5], window: { start: { hour: 8 }, end: { hour: 18, minute: 30 } } },
    };
    const stored = (await workflows.upsertWorkflow({ workflow })).workflow;
    const read = (await workflows.getWorkflow({ key: "every-step" })).workflow;
    expect(read).toEqual(stored);
    expect(read).toMatchObject({
      ...workflow,
      steps: [
        { kind: { case: "throttle", value: { limit: 5, onExceed: ThrottleAction.SUPPRESS } } },
        { kind: { case: "throttle", value: { window: { seconds: 60n, nanos: 500_000_000 } } } },
        ...(workflow.steps ?? []).slice(2),
      ],
      version: 1,
    });
    // The same workflow, its UNSPECIFIED throttle action spelled out, is no change.
    const respelled = structuredClone(workflow);
    const throttle = respelled.steps?.[0]?.kind;
    if (throttle?.case === "throttle") throttle.value.onExceed = ThrottleAction.SUPPRESS;
    expect((await workflows.upsertWorkflow({ workflow: respelled })).workflow?.version).toBe(1);
  });

  it("lists current versions by key, and deletes softly", async () => {
    await workflows.upsertWorkflow({ workflow: minimal("list-b") });
    await workflows.upsertWorkflow({ workflow: minimal("list-a") });
    await workflows.upsertWorkflow({ workflow: minimal("list-a", { description: "second" }) });
    const listed = (await workflows.listWorkflows({})).workflows.filter((w) => w.key.startsWith("list-"));
    expect(listed.map((w) => [w.key, w.version])).toEqual([
      ["list-a", 2],
      ["list-b", 1],
    ]);

    await workflows.deleteWorkflow({ key: "list-a" });
    expect((await errorOf(workflows.getWorkflow({ key: "list-a" })))?.code).toBe(Code.NotFound);
    // Runs in progress still read their version.
    expect((await workflows.getWorkflow({ key: "list-a", version: 1 })).workflow?.version).toBe(1);
    expect((await workflows.listWorkflows({})).workflows.map((w) => w.key)).not.toContain("list-a");
    expect((await errorOf(workflows.deleteWorkflow({ key: "list-a" })))?.code).toBe(Code.NotFound);
    // Coming back makes a new version.
    expect((await workflows.upsertWorkflow({ workflow: minimal("list-a") })).workflow?.version).toBe(3);
  });

  it("is served over gRPC (grpc-js) and gRPC-Web as well as Connect", async () => {
    const key = await herald.apiKey(["admin"]);
    for (const protocol of ["grpc", "grpc-web"] as const) {
      const client = workflowClient(herald.url, key, protocol);
      const { workflow } = await client.upsertWorkflow({ workflow: minimal(`over-${protocol}`) });
      expect(workflow?.version).toBe(1);
      expect((await client.getWorkflow({ key: `over-${protocol}` })).workflow?.key).toBe(`over-${protocol}`);
    }
  });

  it("reads need the read scope, changes the admin scope", async () => {
    const reader = workflowClient(herald.url, await herald.apiKey(["send", "read"]));
    const user = workflowClient(herald.url, await herald.userToken("someone"));
    const reads = (client: typeof reader) => [
      () => client.getWorkflow({ key: "versions" }),
      () => client.listWorkflows({}),
      () => client.listWorkflowRuns({}),
      () => client.getWorkflowRun({ id: randomUUID() }),
    ];
    const changes = (client: typeof reader) => [
      () => client.upsertWorkflow({ workflow: minimal("not-allowed") }),
      () => client.deleteWorkflow({ key: "versions" }),
      () => client.cancelWorkflows({ cancellationKey: "k" }),
    ];
    for (const call of [...reads(user), ...changes(user), ...changes(reader)]) {
      expect((await errorOf(call()))?.code).toBe(Code.PermissionDenied);
    }
    expect((await reader.getWorkflow({ key: "versions" })).workflow?.key).toBe("versions");
    expect((await reader.listWorkflows({})).workflows.length).toBeGreaterThan(0);
    await reader.listWorkflowRuns({});
    expect((await errorOf(reader.getWorkflowRun({ id: randomUUID() })))?.code).toBe(Code.NotFound);
    expect((await errorOf(workflows.getWorkflow({ key: "not-allowed" })))?.code).toBe(Code.NotFound);
    expect((await workflows.getWorkflow({ key: "versions" })).workflow?.key).toBe("versions");
  });
});

describe("WorkflowService: bad workflows are INVALID_ARGUMENT naming the field, and store nothing", () => {
  const notOffered = () => channelIds.find((c) => !herald.app.channels.includes(c));
  const delay = (seconds: bigint, nanos = 0) => ({
    kind: { case: "delay" as const, value: { until: { case: "duration" as const, value: { seconds, nanos } } } },
  });
  const digest = {
    kind: {
      case: "digest" as const,
      value: { window: { case: "duration" as const, value: { seconds: 60n } } },
    },
  };
  const condition = (expression: string) => ({ kind: { case: "condition" as const, value: { expression } } });
  const digestThrottle = {
    kind: {
      case: "throttle" as const,
      value: { limit: 1, window: { seconds: 60n }, onExceed: ThrottleAction.DIGEST },
    },
  };

  beforeAll(async () => {
    await workflows.upsertWorkflow({ workflow: minimal("claims-orders", { categories: ["orders.*"] }) });
  });

  it.each<[string, string, () => WorkflowInit]>([
    [
      "a channel this server does not offer",
      "workflow.steps[1].deliver.channels[0]",
      () => ({
        key: "bad",
        steps: [deliverInApp, { kind: { case: "deliver", value: { channels: [channelToPb(notOffered() ?? "sms")] } } }],
      }),
    ],
    ["a zero delay", "workflow.steps[0].delay.duration", () => minimal("bad", { steps: [delay(0n), deliverInApp] })],
    [
      "a negative delay",
      "workflow.steps[0].delay.duration",
      () => minimal("bad", { steps: [delay(-5n), deliverInApp] }),
    ],
    [
      "a digest with no deliver step after it",
      "workflow.steps[1].digest",
      () => minimal("bad", { steps: [deliverInApp, digest] }),
    ],
    [
      "a digest throttle with no digest step after it",
      "workflow.steps[0].throttle.on_exceed",
      () => minimal("bad", { steps: [digestThrottle, deliverInApp] }),
    ],
    ["no steps", "workflow.steps", () => minimal("bad", { steps: [] })],
    [
      "a send window that opens and closes at once",
      "workflow.send_window.window",
      () =>
        minimal("bad", {
          sendWindow: { weekdays: [], window: { start: { hour: 9, minute: 0 }, end: { hour: 9, minute: 0 } } },
        }),
    ],
    [
      "a condition that does not compile",
      "workflow.steps[1].condition.expression",
      () => minimal("bad", { steps: [deliverInApp, condition("!notification.read &&"), deliverInApp] }),
    ],
    [
      "a condition on a field notifications do not have",
      "workflow.steps[1].condition.expression",
      () => minimal("bad", { steps: [deliverInApp, condition("!notification.reed"), deliverInApp] }),
    ],
    [
      "a condition on an unknown variable",
      "workflow.steps[0].condition.expression",
      () => minimal("bad", { steps: [condition("user.vip"), deliverInApp] }),
    ],
    [
      "a condition that is not a bool",
      "workflow.steps[0].condition.expression",
      () => minimal("bad", { steps: [condition("notification.category"), deliverInApp] }),
    ],
    [
      "a category pattern another workflow claims",
      "workflow.categories[1]",
      () => minimal("bad", { categories: ["shipping.*", "orders.*"] }),
    ],
  ])("refuses %s", async (_what, field, workflow) => {
    const before = await herald.db.query("SELECT count(*)::int AS n FROM workflow_versions");
    const err = await errorOf(workflows.upsertWorkflow({ workflow: workflow() }));
    expect(err?.code).toBe(Code.InvalidArgument);
    expect(err?.rawMessage.startsWith(`${field}: `), err?.rawMessage).toBe(true);
    expect(await herald.db.query("SELECT count(*)::int AS n FROM workflow_versions")).toEqual(before);
    expect((await errorOf(workflows.getWorkflow({ key: "bad" })))?.code).toBe(Code.NotFound);
  });

  it("has a channel that is not offered to test with", () => {
    expect(notOffered()).toBeDefined();
  });

  it("accepts a digest throttle before a digest before a deliver step", async () => {
    const { workflow } = await workflows.upsertWorkflow({
      workflow: minimal("good-digest", { steps: [digestThrottle, digest, deliverInApp] }),
    });
    expect(workflow?.version).toBe(1);
  });
});

describe("WorkflowService: runs", () => {
  const runIds: string[] = [];
  let notificationIds: string[] = [];

  /** Inserts a run as the engine would write it. */
  const insertRun = async (run: {
    notificationId: string;
    userId: string;
    workflowKey: string;
    status: string;
    createdAt: string;
    steps?: object[];
    finishedAt?: string | null;
  }) => {
    const id = randomUUID();
    await herald.db.query(
      `INSERT INTO workflow_runs (tenant_id, id, workflow_key, workflow_version, notification_id, user_id,
         cancellation_key, status, steps, created_at, finished_at)
       VALUES ('default', $1, $2, 1, $3, $4, 'ck', $5, $6::jsonb, $7, $8)`,
      [
        id,
        run.workflowKey,
        run.notificationId,
        run.userId,
        run.status,
        JSON.stringify(run.steps ?? []),
        run.createdAt,
        run.finishedAt ?? null,
      ],
    );
    return id;
  };

  beforeAll(async () => {
    const sent = await admin.send({ userIds: ["run-a", "run-b"], category: "runs.test", title: "t", body: "b" });
    notificationIds = sent.notifications.map((n) => n.id);
    const [na, nb] = notificationIds as [string, string];
    // Oldest first; the first two in the same millisecond, a microsecond apart,
    // and two at the very same instant (ordered by id).
    const rows = [
      {
        notificationId: na,
        userId: "run-a",
        workflowKey: "wf-one",
        status: "completed",
        createdAt: "2026-01-01T00:00:00.000001Z",
      },
      {
        notificationId: na,
        userId: "run-a",
        workflowKey: "wf-two",
        status: "waiting",
        createdAt: "2026-01-01T00:00:00.000002Z",
      },
      {
        notificationId: nb,
        userId: "run-b",
        workflowKey: "wf-one",
        status: "waiting",
        createdAt: "2026-01-01T00:00:01Z",
      },
      {
        notificationId: nb,
        userId: "run-b",
        workflowKey: "wf-one",
        status: "canceled",
        createdAt: "2026-01-01T00:00:02Z",
      },
      {
        notificationId: nb,
        userId: "run-b",
        workflowKey: "wf-two",
        status: "running",
        createdAt: "2026-01-01T00:00:02Z",
      },
    ];
    for (const row of rows) runIds.push(await insertRun(row));
  });

  /** Every run the filters match, page by page. */
  const listAll = async (request: Parameters<WorkflowClient["listWorkflowRuns"]>[0], pageSize: number) => {
    const ids: string[] = [];
    let pageToken = "";
    for (let pages = 0; pages < 20; pages++) {
      const page = await workflows.listWorkflowRuns({ ...request, pageSize, pageToken });
      expect(page.runs.length).toBeLessThanOrEqual(pageSize);
      ids.push(...page.runs.map((r) => r.id));
      pageToken = page.nextPageToken;
      if (pageToken === "") return ids;
    }
    throw new Error("too many pages");
  };

  it("lists runs newest first, page by page, with none skipped or repeated", async () => {
    const newestFirst = [...runIds.slice(0, 3).reverse()];
    const [d, e] = [runIds[3] as string, runIds[4] as string];
    const tied = d > e ? [d, e] : [e, d]; // same instant: larger id first
    const expected = [...tied, ...newestFirst];
    expect(await listAll({}, 50)).toEqual(expected);
    for (const size of [1, 2, 3]) expect(await listAll({}, size)).toEqual(expected);
  });

  it("filters by user, workflow, notification and status", async () => {
    const [r0, r1, r2, r3, r4] = runIds as [string, string, string, string, string];
    const sorted = (ids: string[]) => [...ids].sort();
    expect(sorted(await listAll({ userId: "run-a" }, 1))).toEqual(sorted([r0, r1]));
    expect(sorted(await listAll({ workflowKey: "wf-one" }, 2))).toEqual(sorted([r0, r2, r3]));
    expect(sorted(await listAll({ notificationId: notificationIds[1] }, 2))).toEqual(sorted([r2, r3, r4]));
    expect(await listAll({ status: WorkflowRunStatus.WAITING }, 1)).toEqual([r2, r1]);
    expect(await listAll({ userId: "run-b", workflowKey: "wf-two", status: WorkflowRunStatus.RUNNING }, 5)).toEqual([
      r4,
    ]);
    expect(await listAll({ userId: "nobody" }, 5)).toEqual([]);
  });

  it("refuses a page token made for other filters, or not made by Herald", async () => {
    const { nextPageToken } = await workflows.listWorkflowRuns({ pageSize: 1 });
    expect(nextPageToken).not.toBe("");
    for (const request of [
      { pageSize: 1, pageToken: nextPageToken, userId: "run-a" },
      { pageSize: 1, pageToken: "bm90IGEgdG9rZW4" },
    ]) {
      const err = await errorOf(workflows.listWorkflowRuns(request));
      expect(err?.code).toBe(Code.InvalidArgument);
      expect(err?.rawMessage).toMatch(/^page_token: /);
    }
  });

  it("returns one run with every step, and NOT_FOUND for an unknown id", async () => {
    const id = await insertRun({
      notificationId: notificationIds[0] as string,
      userId: "run-a",
      workflowKey: "steps",
      status: "waiting",
      createdAt: "2025-06-01T00:00:00Z",
      steps: [
        { kind: "deliver", state: "done", reason: "", fired_at: "2025-06-01T00:00:00.500Z", due_at: null },
        {
          kind: "condition",
          state: "skipped",
          reason: "condition false",
          fired_at: "2025-06-01T00:00:01Z",
          due_at: null,
        },
        { kind: "delay", state: "waiting", reason: "", fired_at: null, due_at: "2025-06-02T09:00:00Z" },
        { kind: "deliver", state: "pending", reason: "", fired_at: null, due_at: null },
      ],
    });
    const { run } = await workflows.getWorkflowRun({ id });
    expect(run).toMatchObject({
      id,
      workflowKey: "steps",
      workflowVersion: 1,
      notificationId: notificationIds[0],
      userId: "run-a",
      cancellationKey: "ck",
      status: WorkflowRunStatus.WAITING,
      digestId: "",
    });
    expect(run?.finishTime).toBeUndefined();
    expect(run?.steps.map((s) => [s.index, s.kind, s.state, s.reason])).toEqual([
      [0, "deliver", WorkflowStepState.DONE, ""],
      [1, "condition", WorkflowStepState.SKIPPED, "condition false"],
      [2, "delay", WorkflowStepState.WAITING, ""],
      [3, "deliver", WorkflowStepState.PENDING, ""],
    ]);
    expect(run?.steps[0]?.fireTime).toMatchObject({ nanos: 500_000_000 });
    expect(run?.steps[2]?.dueTime?.seconds).toBe(BigInt(Date.parse("2025-06-02T09:00:00Z") / 1000));
    expect(run?.steps[3]?.fireTime).toBeUndefined();

    expect((await errorOf(workflows.getWorkflowRun({ id: randomUUID() })))?.code).toBe(Code.NotFound);
    expect((await errorOf(workflows.getWorkflowRun({ id: "not-a-uuid" })))?.code).toBe(Code.InvalidArgument);
  });
});
