import { randomUUID } from "node:crypto";
import pino from "pino";
import { beforeAll, expect, it } from "vitest";
import type { StepKind, Workflow, WorkflowStep } from "../../src/domain/workflow.js";
import { workflowRunStore } from "../../src/store/workflow-run-store.js";
import { workflowStore } from "../../src/store/workflow-store.js";
import {
  createWorkflowVersions,
  tenantOfWorkflowsChanged,
  workflowsChangedText,
} from "../../src/store/workflow-versions.js";
import { createWorkflows } from "../../src/workflows/create-workflows.js";
import type { StepDelivery } from "../../src/workflows/engine.js";
import { manualClock } from "../helpers/manual-clock.js";
import { useMigratedDatabase } from "../helpers/migrated-database.js";

// The timer firer takes due timers of every tenant in one round and carries
// each run's tenant on: the same user id and workflow key in two tenants are
// two people and two workflows, so their throttles count apart and their
// digests collect apart.
const database = useMigratedDatabase();
const clock = manualClock(new Date("2026-08-01T00:00:00Z"));

beforeAll(async () => {
  await database.db.exec("INSERT INTO tenants (id, name) VALUES ('wt-a', 'A'), ('wt-b', 'B') ON CONFLICT DO NOTHING");
});

const deliver: WorkflowStep = { kind: "deliver", channels: ["in_app"], templateKey: "" };
const workflowOf = (key: string, steps: WorkflowStep[]): Workflow => ({
  key,
  description: "",
  categories: [],
  steps,
  sendWindow: null,
  version: 1,
  updatedAt: new Date(),
});

/** A notification of `tenant` for the shared user id and its run, its start timer due `dueAt`. */
async function startRun(tenant: string, workflowKey: string, stepKinds: StepKind[], dueAt: Date) {
  const notificationId = randomUUID();
  await database.db.exec(
    `INSERT INTO notifications (tenant_id, id, user_id, seq, category, title, body, priority, send_at)
     VALUES ($1, $2, 'same-user', NULL, 'c', 't', 'b', 'normal', now())`,
    [tenant, notificationId],
  );
  const runId = randomUUID();
  await workflowRunStore.start(
    database.db,
    tenant,
    [
      {
        id: runId,
        workflowKey,
        workflowVersion: 1,
        notificationId,
        userId: "same-user",
        cancellationKey: "",
        templateKey: "",
        stepKinds,
        trace: {},
        createdAt: clock.now(),
      },
    ],
    dueAt,
  );
  return { notificationId, runId };
}

function firer(workflows: Record<string, Workflow>, delivered: StepDelivery[], loaded: string[]) {
  return createWorkflows({
    db: database.db,
    clock,
    loadWorkflow: async (tenantId, key) => {
      loaded.push(`${tenantId}/${key}`);
      return workflows[key] ?? null;
    },
    deliver: async (_tx, d) => {
      delivered.push(d);
      return d.channels;
    },
    requiredCategories: [],
    tenantSettings: () => undefined,
    settings: { timerBatch: 10, timerConcurrency: 1, timerIntervalMs: 1000, timerRetryMs: 60_000 },
    onQueued: () => undefined,
    logger: pino({ level: "silent" }),
  });
}

it("counts a throttle per tenant: B's first notification passes after A used the limit", async () => {
  const steps: WorkflowStep[] = [
    { kind: "throttle", limit: 1, windowMs: 3_600_000, keyPath: "", onExceed: "suppress" },
    deliver,
  ];
  const early = new Date(clock.now().getTime() - 3000);
  const a1 = await startRun("wt-a", "throttled", ["throttle", "deliver"], early);
  const a2 = await startRun("wt-a", "throttled", ["throttle", "deliver"], new Date(early.getTime() + 1000));
  const b1 = await startRun("wt-b", "throttled", ["throttle", "deliver"], new Date(early.getTime() + 2000));
  const delivered: StepDelivery[] = [];
  const loaded: string[] = [];
  // One round: the batch holds both tenants' timers.
  expect(await firer({ throttled: workflowOf("throttled", steps) }, delivered, loaded).fireDue()).toBe(3);

  expect(new Set(loaded)).toEqual(new Set(["wt-a/throttled", "wt-b/throttled"]));
  const outcome = Object.fromEntries(delivered.map((d) => [d.notification.id, [d.tenantId, d.suppressedReason]]));
  expect(outcome).toEqual({
    [a1.notificationId]: ["wt-a", ""],
    [a2.notificationId]: ["wt-a", "throttled"],
    [b1.notificationId]: ["wt-b", ""],
  });
  const hits = await database.db.rows<{ tenant_id: string; n: number }>(
    "SELECT tenant_id, count(*)::int AS n FROM workflow_throttle_hits GROUP BY tenant_id ORDER BY tenant_id",
  );
  expect(hits).toEqual([
    { tenant_id: "wt-a", n: 1 },
    { tenant_id: "wt-b", n: 1 },
  ]);
});

it("collects a digest per tenant: B's notification opens its own digest instead of joining A's", async () => {
  const steps: WorkflowStep[] = [
    { kind: "digest", keyPath: "", window: { kind: "duration", ms: 3_600_000 }, maxCount: 0 },
    deliver,
  ];
  const early = new Date(clock.now().getTime() - 2000);
  const a = await startRun("wt-a", "digesting", ["digest", "deliver"], early);
  const b = await startRun("wt-b", "digesting", ["digest", "deliver"], new Date(early.getTime() + 1000));
  expect(await firer({ digesting: workflowOf("digesting", steps) }, [], []).fireDue()).toBe(2);

  const runs = await database.db.rows<{ id: string; tenant_id: string; status: string; digest_id: string }>(
    "SELECT id, tenant_id, status, digest_id FROM workflow_runs WHERE id = ANY($1::uuid[]) ORDER BY tenant_id",
    [[a.runId, b.runId]],
  );
  expect(runs.map((r) => [r.tenant_id, r.status])).toEqual([
    ["wt-a", "waiting"],
    ["wt-b", "waiting"],
  ]);
  const digests = await database.db.rows<{ tenant_id: string; owner_run_id: string; notification_ids: string[] }>(
    "SELECT tenant_id, owner_run_id, notification_ids::text[] AS notification_ids FROM workflow_digests ORDER BY tenant_id",
  );
  expect(digests).toEqual([
    { tenant_id: "wt-a", owner_run_id: a.runId, notification_ids: [a.notificationId] },
    { tenant_id: "wt-b", owner_run_id: b.runId, notification_ids: [b.notificationId] },
  ]);
});

it("keeps each tenant's claimed patterns and versions apart in the Send path's caches", async () => {
  const versions = createWorkflowVersions(database.db, { patternsTtlMs: 60_000 });
  const store = (tenant: string, description: string, categories: string[]) =>
    database.db.transaction((tx) =>
      workflowStore.upsert(
        tx,
        tenant,
        { key: "cached", description, categories, steps: [deliver], sendWindow: null },
        {
          maxCount: 10,
        },
      ),
    );
  await store("wt-a", "A's", ["cache.*"]);
  expect((await versions.forSend("wt-a", "", "cache.x"))?.description).toBe("A's");
  // B claims nothing (its set is loaded, and empty), and names no workflow A has.
  expect(await versions.forSend("wt-b", "", "cache.x")).toBeNull();
  expect(await versions.forSend("wt-b", "cached", "")).toBeNull();

  await store("wt-b", "B's", ["cache.*"]);
  // Only B's set is forgotten: B now finds its own, A still its own.
  versions.changed("wt-b");
  expect((await versions.forSend("wt-b", "", "cache.x"))?.description).toBe("B's");
  expect((await versions.forSend("wt-a", "", "cache.x"))?.description).toBe("A's");
  expect((await versions.version("wt-a", "cached", 1))?.description).toBe("A's");
  expect((await versions.version("wt-b", "cached", 1))?.description).toBe("B's");
  expect(tenantOfWorkflowsChanged(workflowsChangedText("wt-b"))).toBe("wt-b");
  expect(tenantOfWorkflowsChanged("changed")).toBeUndefined();
});
