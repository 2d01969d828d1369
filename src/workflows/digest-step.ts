import type { WorkflowStep } from "../domain/workflow.js";
import { digestCapacity, workflowDigestStore } from "../store/workflow-digest-store.js";
import { workflowTimerStore } from "../store/workflow-timer-store.js";
import { keyAt } from "./data-path.js";
import { nextLocalTime, zoneOf } from "./local-time.js";
import { markDone, markWaiting, skipRest } from "./run-log.js";
import { type StepContext, wait } from "./step-context.js";

/**
 * The first notification of a key opens a digest and waits for its window;
 * later ones join it and their runs end here (the digest's run delivers
 * them). A digest that reaches max_count (or its capacity) closes at once and
 * its run's timer is made due.
 */
export async function digestStep(ctx: StepContext, step: Extract<WorkflowStep, { kind: "digest" }>, i: number) {
  const { run, now, notification, tx } = ctx;
  const scope = {
    userId: run.userId,
    workflowKey: run.workflowKey,
    digestKey: step.keyPath === "" ? notification.category : keyAt(notification.data, step.keyPath),
    stepIndex: i,
  };
  const max = step.maxCount > 0 ? Math.min(step.maxCount, digestCapacity) : digestCapacity;
  for (let tries = 0; tries < 3; tries++) {
    const open = await workflowDigestStore.lockOpen(tx, run.tenantId, scope);
    if (open !== null && open.ownerRunId !== run.id) {
      const full = open.notificationIds.length + 1 >= max;
      await workflowDigestStore.join(tx, run.tenantId, open.id, notification.id, full ? now : null);
      if (full) await workflowTimerStore.hurry(tx, open.ownerRunId, now);
      run.digestId = open.id;
      markDone(run, i, now, `joined digest ${open.id}`);
      skipRest(run, i + 1, now, "delivered with the digest");
      return { kind: "end", status: "digested" } as const;
    }
    const zone = step.window.kind === "dailyAt" ? zoneOf((await ctx.recipient()).recipient.timezone) : "UTC";
    const closesAt =
      step.window.kind === "duration"
        ? new Date(now.getTime() + step.window.ms)
        : nextLocalTime(now, zone, step.window.at);
    const opened = await workflowDigestStore.open(
      tx,
      run.tenantId,
      scope,
      { runId: run.id, notificationId: notification.id },
      max,
      closesAt,
      now,
    );
    if (opened === null) continue; // another run opened it meanwhile: join that one
    run.digestId = opened.id;
    const due = max <= 1 ? now : closesAt;
    markWaiting(run, i, due, `collecting until ${due.toISOString()}`);
    return wait(i, due, "digest");
  }
  throw new Error("digest: could not open or join a digest");
}
