import type { WorkflowStep } from "../domain/workflow.js";
import { workflowThrottleStore } from "../store/workflow-throttle-store.js";
import { keyAt } from "./data-path.js";
import { markDone, skip, skipRest } from "./run-log.js";
import type { StepContext } from "./step-context.js";

/**
 * Lets the notification past if fewer than `limit` passed in the window;
 * over it, records the later deliver steps' deliveries as suppressed
 * (`throttled`) and ends the run, or sends it to the next digest step.
 */
export async function throttleStep(ctx: StepContext, step: Extract<WorkflowStep, { kind: "throttle" }>, i: number) {
  const { run, now, notification, workflow } = ctx;
  const { passed, count } = await workflowThrottleStore.pass(
    ctx.tx,
    run.tenantId,
    {
      userId: run.userId,
      workflowKey: run.workflowKey,
      stepIndex: i,
      throttleKey: step.keyPath === "" ? "" : keyAt(notification.data, step.keyPath),
    },
    step.limit,
    step.windowMs,
    now,
  );
  const digestAt = workflow.steps.findIndex((s, k) => k > i && s.kind === "digest");
  if (passed) {
    markDone(run, i, now, `passed (${count + 1} of ${step.limit})`);
    return step.onExceed === "digest" && digestAt > 0
      ? ({ kind: "stopBefore", at: digestAt } as const)
      : ({ kind: "next" } as const);
  }
  if (step.onExceed === "digest" && digestAt > 0) {
    markDone(run, i, now, `throttled: ${step.limit} already passed; diverted to the digest`);
    for (let k = i + 1; k < digestAt; k++) skip(run, k, now, "throttled: diverted to the digest");
    return { kind: "jump", to: digestAt } as const;
  }
  markDone(run, i, now, `throttled: ${step.limit} already passed`);
  const later = workflow.steps.slice(i + 1).flatMap((s) => (s.kind === "deliver" ? s.channels : []));
  if (later.length > 0) {
    await ctx.deliver(ctx.tx, {
      tenantId: run.tenantId,
      notification,
      people: await ctx.recipient(),
      channels: [...new Set(later)],
      templateKey: "",
      events: null,
      trace: run.trace,
      suppressedReason: "throttled",
    });
  }
  skipRest(run, i + 1, now, "throttled");
  return { kind: "end", status: "completed" } as const;
}
