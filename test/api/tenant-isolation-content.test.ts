import { randomUUID } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { type TemplateSchema, TemplateService } from "../../gen/ts/herald/v1/template_service_pb.js";
import { WorkflowRunStatus, type WorkflowSchema } from "../../gen/ts/herald/v1/workflow_pb.js";
import {
  connectClient,
  type HeraldClient,
  serviceClient,
  type WorkflowClient,
  workflowClient,
} from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

// Tenant isolation of templates and workflows: tenants A and B use the SAME
// template keys, workflow keys, category patterns, cancellation keys and user
// ids. Every RPC of TemplateService and WorkflowService called with B's key
// must not read, list, change, delete or learn of A's rows (NOT_FOUND or empty,
// exactly as for an unknown key or id), and B's own writes under the same keys
// must leave A's rows as they were (checked through A's key and in Postgres).

type TemplateInit = MessageInitShape<typeof TemplateSchema>;
type WorkflowInit = MessageInitShape<typeof WorkflowSchema>;
type TemplateClient = ReturnType<typeof serviceClient<typeof TemplateService>>;

let herald: TestHerald;
const a = {} as { templates: TemplateClient; workflows: WorkflowClient; send: HeraldClient };
const b = {} as { templates: TemplateClient; workflows: WorkflowClient; send: HeraldClient };

beforeAll(async () => {
  herald = await startHerald();
  for (const [tenant, side] of [
    ["tenant-a", a],
    ["tenant-b", b],
  ] as const) {
    await herald.tenant(tenant);
    const key = await herald.apiKey(["admin", "send"], tenant, tenant);
    side.templates = serviceClient(TemplateService, herald.url, key);
    side.workflows = workflowClient(herald.url, key);
    side.send = connectClient(herald.url, key);
  }
});
afterAll(() => herald.close());

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => ConnectError.from(e).code,
  );

const inApp = (key: string, title: string): TemplateInit => ({
  key,
  channel: Channel.IN_APP,
  locale: "en",
  content: { case: "inApp", value: { title, body: "{{name}}" } },
});
const titleOf = (t: { content: { case: string | undefined; value?: unknown } } | undefined) =>
  t?.content.case === "inApp" ? (t.content.value as { title: string }).title : undefined;

describe("TemplateService across tenants", () => {
  beforeAll(async () => {
    await a.templates.upsertTemplate({ template: inApp("welcome", "A's title") });
  });

  it("GetTemplate and ListTemplates in B do not see A's template", async () => {
    expect(await codeOf(b.templates.getTemplate({ key: "welcome", channel: Channel.IN_APP, locale: "en" }))).toBe(
      Code.NotFound,
    );
    expect((await b.templates.listTemplates({})).templates).toEqual([]);
    expect((await b.templates.listTemplates({ key: "welcome" })).templates).toEqual([]);
    // A still reads its own.
    const own = await a.templates.getTemplate({ key: "welcome", channel: Channel.IN_APP, locale: "en" });
    expect(titleOf(own.template)).toBe("A's title");
  });

  it("DeleteTemplate in B answers NOT_FOUND for A's template and leaves it", async () => {
    expect(await codeOf(b.templates.deleteTemplate({ key: "welcome", channel: Channel.IN_APP, locale: "en" }))).toBe(
      Code.NotFound,
    );
    const rows = await herald.db.query("SELECT tenant_id FROM templates WHERE key = 'welcome'");
    expect(rows).toEqual([{ tenant_id: "tenant-a" }]);
  });

  it("UpsertTemplate in B with the same key makes B's own template; A's stays as it was", async () => {
    await b.templates.upsertTemplate({ template: inApp("shared-key", "B's title") });
    await a.templates.upsertTemplate({ template: inApp("shared-key", "A's title") });
    await b.templates.upsertTemplate({ template: inApp("shared-key", "B's second title") });

    const ofA = await a.templates.getTemplate({ key: "shared-key", channel: Channel.IN_APP, locale: "en" });
    expect(titleOf(ofA.template)).toBe("A's title");
    const ofB = await b.templates.getTemplate({ key: "shared-key", channel: Channel.IN_APP, locale: "en" });
    expect(titleOf(ofB.template)).toBe("B's second title");
    expect((await b.templates.listTemplates({})).templates.map((t) => titleOf(t))).toEqual(["B's second title"]);

    const rows = await herald.db.query<{ tenant_id: string; title: string }>(
      "SELECT tenant_id, content->>'title' AS title FROM templates WHERE key = 'shared-key' ORDER BY tenant_id",
    );
    expect(rows).toEqual([
      { tenant_id: "tenant-a", title: "A's title" },
      { tenant_id: "tenant-b", title: "B's second title" },
    ]);

    // B deleting its own removes only its own.
    await b.templates.deleteTemplate({ key: "shared-key", channel: Channel.IN_APP, locale: "en" });
    expect(await codeOf(b.templates.getTemplate({ key: "shared-key", channel: Channel.IN_APP, locale: "en" }))).toBe(
      Code.NotFound,
    );
    const kept = await a.templates.getTemplate({ key: "shared-key", channel: Channel.IN_APP, locale: "en" });
    expect(titleOf(kept.template)).toBe("A's title");
  });

  it("PreviewTemplate in B renders what B sends, never A's stored template of the key", async () => {
    const { parts } = await b.templates.previewTemplate({
      template: inApp("welcome", "B previews"),
      data: { name: "Bo" },
    });
    expect(parts).toEqual({ title: "B previews", body: "Bo" });
    // Previewing stored nothing in either tenant.
    expect(await codeOf(b.templates.getTemplate({ key: "welcome", channel: Channel.IN_APP, locale: "en" }))).toBe(
      Code.NotFound,
    );
    const own = await a.templates.getTemplate({ key: "welcome", channel: Channel.IN_APP, locale: "en" });
    expect(titleOf(own.template)).toBe("A's title");
  });
});

const deliverInApp = { kind: { case: "deliver" as const, value: { channels: [Channel.IN_APP] } } };
const workflow = (key: string, description: string, categories: string[] = []): WorkflowInit =>
  ({ key, description, categories, steps: [deliverInApp] }) as WorkflowInit;

describe("WorkflowService definitions across tenants", () => {
  beforeAll(async () => {
    await a.workflows.upsertWorkflow({ workflow: workflow("onboarding", "A's", ["billing.*"]) });
  });

  it("GetWorkflow and ListWorkflows in B do not see A's workflow, of any version", async () => {
    expect(await codeOf(b.workflows.getWorkflow({ key: "onboarding" }))).toBe(Code.NotFound);
    expect(await codeOf(b.workflows.getWorkflow({ key: "onboarding", version: 1 }))).toBe(Code.NotFound);
    expect((await b.workflows.listWorkflows({})).workflows).toEqual([]);
    expect((await a.workflows.getWorkflow({ key: "onboarding" })).workflow?.description).toBe("A's");
  });

  it("DeleteWorkflow in B answers NOT_FOUND for A's workflow and leaves it and its patterns", async () => {
    expect(await codeOf(b.workflows.deleteWorkflow({ key: "onboarding" }))).toBe(Code.NotFound);
    expect((await a.workflows.getWorkflow({ key: "onboarding" })).workflow?.version).toBe(1);
    const rows = await herald.db.query(
      "SELECT tenant_id, pattern FROM workflow_patterns WHERE workflow_key = 'onboarding' ORDER BY tenant_id",
    );
    expect(rows).toEqual([{ tenant_id: "tenant-a", pattern: "billing.*" }]);
  });

  it("UpsertWorkflow in B with the same key and pattern makes B's version 1; A's stays", async () => {
    // The pattern A claims is free in B, and the key's versions start anew.
    const made = await b.workflows.upsertWorkflow({ workflow: workflow("onboarding", "B's", ["billing.*"]) });
    expect(made.workflow).toMatchObject({ key: "onboarding", version: 1, description: "B's" });
    const changed = await b.workflows.upsertWorkflow({ workflow: workflow("onboarding", "B's second", ["billing.*"]) });
    expect(changed.workflow?.version).toBe(2);

    expect((await a.workflows.getWorkflow({ key: "onboarding" })).workflow).toMatchObject({
      version: 1,
      description: "A's",
    });
    expect(await codeOf(a.workflows.getWorkflow({ key: "onboarding", version: 2 }))).toBe(Code.NotFound);
    expect((await a.workflows.listWorkflows({})).workflows.map((w) => w.description)).toEqual(["A's"]);
    expect((await b.workflows.listWorkflows({})).workflows.map((w) => w.description)).toEqual(["B's second"]);

    const versions = await herald.db.query(
      `SELECT tenant_id, version, definition->>'description' AS description FROM workflow_versions
       WHERE key = 'onboarding' ORDER BY tenant_id, version`,
    );
    expect(versions).toEqual([
      { tenant_id: "tenant-a", version: 1, description: "A's" },
      { tenant_id: "tenant-b", version: 1, description: "B's" },
      { tenant_id: "tenant-b", version: 2, description: "B's second" },
    ]);

    // B deleting its own leaves A's workflow and A's claim on the pattern.
    await b.workflows.deleteWorkflow({ key: "onboarding" });
    expect(await codeOf(b.workflows.getWorkflow({ key: "onboarding" }))).toBe(Code.NotFound);
    expect((await a.workflows.getWorkflow({ key: "onboarding" })).workflow?.description).toBe("A's");
    const patterns = await herald.db.query("SELECT tenant_id FROM workflow_patterns WHERE pattern = 'billing.*'");
    expect(patterns).toEqual([{ tenant_id: "tenant-a" }]);
  });
});

describe("WorkflowService runs across tenants", () => {
  // The same user id, workflow key and cancellation key in both tenants.
  const runOf: Record<string, { runId: string; notificationId: string }> = {};

  /** A run waiting on a delay, with its timer, as Send and the engine would write it. */
  const insertRun = async (tenant: string) => {
    const notificationId = randomUUID();
    const runId = randomUUID();
    await herald.db.query(
      `INSERT INTO notifications (tenant_id, id, user_id, seq, category, title, body, priority, send_at)
       VALUES ($1, $2, 'same-user', NULL, 'c', 't', 'b', 'normal', now())`,
      [tenant, notificationId],
    );
    await herald.db.query(
      `INSERT INTO workflow_runs (tenant_id, id, workflow_key, workflow_version, notification_id, user_id,
         cancellation_key, status, steps, created_at)
       VALUES ($1, $2, 'same-flow', 1, $3, 'same-user', 'same-ck', 'waiting',
         '[{"kind": "delay", "state": "waiting", "reason": "", "fired_at": null, "due_at": null},
           {"kind": "deliver", "state": "pending", "reason": "", "fired_at": null, "due_at": null}]'::jsonb, now())`,
      [tenant, runId, notificationId],
    );
    await herald.db.query(
      `INSERT INTO workflow_timers (run_id, notification_id, step_index, due_at, purpose)
       VALUES ($1, $2, 0, now() + interval '1 day', 'delay')`,
      [runId, notificationId],
    );
    runOf[tenant] = { runId, notificationId };
  };

  beforeAll(async () => {
    await insertRun("tenant-a");
  });

  it("ListWorkflowRuns in B lists none of A's runs, under any filter", async () => {
    const { runId, notificationId } = runOf["tenant-a"] as { runId: string; notificationId: string };
    for (const filter of [
      {},
      { notificationId },
      { userId: "same-user" },
      { workflowKey: "same-flow" },
      { status: WorkflowRunStatus.WAITING },
    ]) {
      expect((await b.workflows.listWorkflowRuns(filter)).runs).toEqual([]);
    }
    expect((await a.workflows.listWorkflowRuns({ userId: "same-user" })).runs.map((r) => r.id)).toEqual([runId]);
  });

  it("GetWorkflowRun in B answers NOT_FOUND for A's run id, as for an unknown id", async () => {
    const { runId } = runOf["tenant-a"] as { runId: string };
    expect(await codeOf(b.workflows.getWorkflowRun({ id: runId }))).toBe(Code.NotFound);
    expect(await codeOf(b.workflows.getWorkflowRun({ id: randomUUID() }))).toBe(Code.NotFound);
    expect((await a.workflows.getWorkflowRun({ id: runId })).run?.id).toBe(runId);
  });

  it("CancelWorkflows in B cancels only B's runs of the same key and user", async () => {
    await insertRun("tenant-b");
    const ofA = runOf["tenant-a"] as { runId: string };
    const ofB = runOf["tenant-b"] as { runId: string };

    expect(
      (await b.workflows.cancelWorkflows({ cancellationKey: "same-ck", userIds: ["same-user"] })).canceledCount,
    ).toBe(1);
    expect((await b.workflows.cancelWorkflows({ cancellationKey: "same-ck" })).canceledCount).toBe(0);
    expect((await b.workflows.getWorkflowRun({ id: ofB.runId })).run?.status).toBe(WorkflowRunStatus.CANCELED);

    // A's run waits on, its timer still set.
    expect((await a.workflows.getWorkflowRun({ id: ofA.runId })).run?.status).toBe(WorkflowRunStatus.WAITING);
    const rows = await herald.db.query(
      `SELECT r.status, count(t.id)::int AS timers FROM workflow_runs r LEFT JOIN workflow_timers t ON t.run_id = r.id
       WHERE r.id = $1 GROUP BY r.status`,
      [ofA.runId],
    );
    expect(rows).toEqual([{ status: "waiting", timers: 1 }]);

    expect((await a.workflows.cancelWorkflows({ cancellationKey: "same-ck" })).canceledCount).toBe(1);
  });
});

describe("Send across tenants", () => {
  it("refuses a Send in B naming a workflow only A has, as unknown, while A's Send runs it", async () => {
    await a.workflows.upsertWorkflow({ workflow: workflow("only-in-a", "A's only") });
    const sent = await a.send.send({
      userIds: ["same-user"],
      category: "x",
      title: "t",
      body: "b",
      workflow: "only-in-a",
    });
    expect(sent.notifications).toHaveLength(1);
    const runs = await a.workflows.listWorkflowRuns({ notificationId: sent.notifications[0]?.id ?? "" });
    expect(runs.runs.map((r) => r.workflowKey)).toEqual(["only-in-a"]);

    const countInB = async () =>
      (await herald.db.query<{ n: string }>("SELECT count(*) AS n FROM notifications WHERE tenant_id = 'tenant-b'"))[0]
        ?.n;
    const before = await countInB();
    expect(
      await codeOf(
        b.send.send({ userIds: ["same-user"], category: "x", title: "t", body: "b", workflow: "only-in-a" }),
      ),
    ).toBe(Code.NotFound);
    expect(await countInB()).toBe(before);
  });

  it("runs a workflow claiming a category only in the tenant that owns the pattern", async () => {
    await a.workflows.upsertWorkflow({ workflow: workflow("claims-a", "A's claim", ["only-a.*"]) });
    const fromB = await b.send.send({ userIds: ["same-user"], category: "only-a.x", title: "t", body: "b" });
    const id = fromB.notifications[0]?.id ?? "";
    expect((await b.workflows.listWorkflowRuns({ notificationId: id })).runs).toEqual([]);
    expect(await herald.db.query("SELECT 1 FROM workflow_runs WHERE notification_id = $1", [id])).toEqual([]);
  });

  it("refuses a Send in B naming a template key only A has", async () => {
    await a.templates.upsertTemplate({ template: inApp("only-in-a", "A's only") });
    expect(
      await codeOf(
        b.send.send({ userIds: ["same-user"], category: "x", templateKey: "only-in-a", data: { name: "n" } }),
      ),
    ).toBe(Code.InvalidArgument);
  });
});
