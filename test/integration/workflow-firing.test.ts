import { randomUUID } from "node:crypto";
import pino from "pino";
import { expect, it } from "vitest";
import { defaultTenant } from "../../src/domain/tenant.js";
import type { Workflow } from "../../src/domain/workflow.js";
import { workflowRunStore } from "../../src/store/workflow-run-store.js";
import { workflowTimerStore } from "../../src/store/workflow-timer-store.js";
import { createWorkflows } from "../../src/workflows/create-workflows.js";
import type { StepDelivery } from "../../src/workflows/engine.js";
import { manualClock } from "../helpers/manual-clock.js";
import { useMigratedDatabase } from "../helpers/migrated-database.js";

// A firing round against real Postgres, with a deliver step that fails
// unexpectedly for one notification: that run's timer is put off alone, and
// every other run of the same round goes on.
const database = useMigratedDatabase();

const workflow: Workflow = {
  key: "w",
  description: "",
  categories: [],
  steps: [{ kind: "deliver", channels: ["email"], templateKey: "" }],
  sendWindow: null,
  version: 1,
  updatedAt: new Date(),
};

it("puts off the timer whose firing throws, and fires the rest of its round", async () => {
  const clock = manualClock(new Date("2026-06-01T00:00:00Z"));
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const id = randomUUID();
    ids.push(id);
    await database.db.exec(
      `INSERT INTO notifications (tenant_id, id, user_id, seq, category, title, body, priority, send_at)
       VALUES ('default', $1, $2, NULL, 'c', 't', 'b', 'normal', now())`,
      [id, `u${i}`],
    );
  }
  await workflowRunStore.start(
    database.db,
    defaultTenant,
    ids.map((notificationId, i) => ({
      id: randomUUID(),
      workflowKey: "w",
      workflowVersion: 1,
      notificationId,
      userId: `u${i}`,
      cancellationKey: "",
      templateKey: "",
      stepKinds: ["deliver"],
      trace: {},
      createdAt: clock.now(),
    })),
    clock.now(),
  );
  const poisoned = ids[2] as string;
  const delivered: string[] = [];
  const workflows = createWorkflows({
    db: database.db,
    clock,
    loadWorkflow: async () => workflow,
    deliver: async (_tx, d: StepDelivery) => {
      if (d.notification.id === poisoned) throw new Error("provider table locked");
      delivered.push(d.notification.id);
      return d.channels;
    },
    requiredCategories: [],
    tenantSettings: () => undefined,
    settings: { timerBatch: 10, timerConcurrency: 1, timerIntervalMs: 1000, timerRetryMs: 60_000 },
    onQueued: () => undefined,
    logger: pino({ level: "silent" }),
  });

  expect(await workflows.fireDue()).toBe(5);
  // The batch failed on the poisoned run (after two others had been moved, and
  // rolled back with it), so every timer was fired again alone.
  expect(new Set(delivered)).toEqual(new Set(ids.filter((id) => id !== poisoned)));
  const timers = await database.db.rows<{ notification_id: string; due_at: Date }>(
    "SELECT notification_id, due_at FROM workflow_timers",
  );
  expect(timers).toEqual([{ notification_id: poisoned, due_at: new Date(clock.now().getTime() + 60_000) }]);
  const runs = await database.db.rows<{ notification_id: string; status: string }>(
    "SELECT notification_id, status FROM workflow_runs ORDER BY notification_id",
  );
  for (const r of runs) expect(r.status).toBe(r.notification_id === poisoned ? "running" : "completed");
  // Nothing more is due until the retry time.
  expect(await workflows.fireDue()).toBe(0);
});

it("reports pending timers and how late the oldest due one is (the gauges' numbers)", async () => {
  await database.db.exec("DELETE FROM workflow_timers");
  const clock = manualClock(new Date("2026-07-01T00:00:00Z"));
  const notificationId = randomUUID();
  await database.db.exec(
    `INSERT INTO notifications (tenant_id, id, user_id, seq, category, title, body, priority, send_at)
     VALUES ('default', $1, 'stats', NULL, 'c', 't', 'b', 'normal', now())`,
    [notificationId],
  );
  const runs = [0, 1, 2].map(() => ({
    id: randomUUID(),
    workflowKey: "w",
    workflowVersion: 1,
    notificationId,
    userId: "stats",
    cancellationKey: "",
    templateKey: "",
    stepKinds: ["deliver" as const],
    trace: {},
    createdAt: clock.now(),
  }));
  await workflowRunStore.start(database.db, defaultTenant, runs.slice(0, 2), new Date(clock.now().getTime() - 90_000));
  await workflowRunStore.start(database.db, defaultTenant, runs.slice(2), new Date(clock.now().getTime() + 3_600_000));
  expect(await workflowTimerStore.timerStats(database.db, clock.now())).toEqual({
    pending: 3,
    oldestOverdueMs: 90_000,
  });
  clock.advance(10_000);
  expect(await workflowTimerStore.timerStats(database.db, clock.now())).toEqual({
    pending: 3,
    oldestOverdueMs: 100_000,
  });
});
