import { InvalidArgumentError } from "../domain/errors.js";
import type { Channel } from "../domain/notification.js";
import { isRequiredCategory } from "../domain/preferences.js";
import type { WorkflowStep } from "../domain/workflow.js";
import { notificationStore } from "../store/notification-store.js";
import { workflowDigestStore } from "../store/workflow-digest-store.js";
import { compileCondition, evaluateCondition } from "./conditions.js";
import { timeAt } from "./data-path.js";
import { digestStep } from "./digest-step.js";
import type { DigestEvent, NextTimer } from "./engine.js";
import { nextLocalTime, nextSendOpening, zoneOf } from "./local-time.js";
import { quietUntil } from "./quiet-hours.js";
import { conditionInput } from "./run-inputs.js";
import { markDone, markWaiting, skipRest } from "./run-log.js";
import { type StepContext, type StepResult, wait } from "./step-context.js";
import { throttleStep } from "./throttle-step.js";

/**
 * Runs a run's steps from `from` until one waits or the run ends; returns its
 * next timer (null when it ended). `held`: a deliver step woken after quiet
 * hours or a send window delivers these channels only.
 */
export async function runSteps(ctx: StepContext, from: number, held: Channel[] | null): Promise<NextTimer> {
  const { run, workflow, now } = ctx;
  run.status = "running";
  let stopBefore = workflow.steps.length;
  for (let i = from; i < stopBefore; i++) {
    const step = workflow.steps[i] as WorkflowStep;
    const result = await runStep(ctx, step, i, i === from ? held : null);
    if (result.kind === "wait") {
      run.status = "waiting";
      return result.timer;
    }
    if (result.kind === "end") {
      run.status = result.status;
      return null;
    }
    if (result.kind === "jump") i = result.to - 1;
    // A throttle within its limit: the run ends before the digest it diverts to when over it.
    if (result.kind === "stopBefore") stopBefore = result.at;
  }
  skipRest(run, stopBefore, now, "within the throttle limit: not digested");
  run.status = "completed";
  return null;
}

async function runStep(ctx: StepContext, step: WorkflowStep, i: number, held: Channel[] | null): Promise<StepResult> {
  switch (step.kind) {
    case "deliver":
      return deliverStep(ctx, step, i, held);
    case "delay":
      return delayStep(ctx, step, i);
    case "condition":
      return conditionStep(ctx, step, i);
    case "digest":
      return digestStep(ctx, step, i);
    case "throttle":
      return throttleStep(ctx, step, i);
  }
}

async function delayStep(ctx: StepContext, step: Extract<WorkflowStep, { kind: "delay" }>, i: number) {
  const { run, now, notification } = ctx;
  let due: Date;
  let why: string;
  if (step.until.kind === "duration") {
    due = new Date(now.getTime() + step.until.ms);
    why = `waits ${step.until.ms / 1000} s`;
  } else if (step.until.kind === "dataPath") {
    const at = timeAt(notification.data, step.until.path);
    if (at === null) {
      markDone(run, i, now, `data.${step.until.path} is no time: went on at once`);
      return { kind: "next" } as const;
    }
    due = at;
    why = `waits until data.${step.until.path}`;
  } else {
    const zone = zoneOf((await ctx.recipient()).recipient.timezone);
    due = nextLocalTime(now, zone, step.until.at);
    why = `waits until ${hhmm(step.until.at)} in ${zone}`;
  }
  if (due.getTime() <= now.getTime()) {
    markDone(run, i, now, `${why}: already past`);
    return { kind: "next" } as const;
  }
  markWaiting(run, i, due, why);
  return wait(i, due, "delay");
}

async function conditionStep(ctx: StepContext, step: Extract<WorkflowStep, { kind: "condition" }>, i: number) {
  const { run, now } = ctx;
  const input = conditionInput(ctx.notification, await ctx.recipient());
  // Checked at upsert; compiling again is a cached lookup.
  const { value, error } = evaluateCondition(compileCondition(step.expression, "expression"), input);
  if (value) {
    markDone(run, i, now, "true");
    return { kind: "next" } as const;
  }
  markDone(run, i, now, error === "" ? "false" : `false (${error})`);
  skipRest(run, i + 1, now, `condition at step ${i} was false`);
  return { kind: "end", status: "completed" } as const;
}

/**
 * Delivers on the step's channels, except those quiet hours or the send
 * window hold back (in-app never waits: it lands silently). Held channels wait
 * for a `hold` timer at the earliest time one of them may go, and are looked
 * at again then.
 */
async function deliverStep(
  ctx: StepContext,
  step: Extract<WorkflowStep, { kind: "deliver" }>,
  i: number,
  held: Channel[] | null,
): Promise<StepResult> {
  const { run, now, notification } = ctx;
  const channels = held ?? step.channels;
  const holds = await holdsFor(ctx, channels);
  const goNow = channels.filter((c) => !holds.has(c));
  let written: Channel[] = [];
  let failure = "";
  if (goNow.length > 0) {
    try {
      written = await ctx.deliver(ctx.tx, {
        tenantId: run.tenantId,
        notification,
        people: await ctx.recipient(),
        channels: goNow,
        templateKey: step.templateKey !== "" ? step.templateKey : run.templateKey,
        events: await digestEvents(ctx, i),
        trace: run.trace,
        suppressedReason: "",
      });
      if (written.length > 0) ctx.queued = true;
    } catch (err) {
      if (!(err instanceof InvalidArgumentError)) throw err;
      failure = `could not render: ${err.message}`;
    }
  }
  if (holds.size > 0) {
    const due = new Date(Math.min(...[...holds.values()].map((h) => h.until.getTime())));
    const why = [...new Set([...holds.values()].map((h) => h.why))].join(", ");
    markWaiting(run, i, due, `${[...holds.keys()].join(", ")} held by ${why}`);
    return wait(i, due, "hold", [...holds.keys()]);
  }
  const skipped = goNow.filter((c) => !written.includes(c));
  const parts = [
    written.length > 0 ? `queued ${[...new Set(written)].join(", ")}` : "",
    skipped.length > 0 && failure === "" ? `already delivered: ${skipped.join(", ")}` : "",
    failure,
  ];
  markDone(run, i, now, parts.filter((p) => p !== "").join("; "));
  return { kind: "next" };
}

/** Channels to hold back now, with until when and why. */
async function holdsFor(ctx: StepContext, channels: readonly Channel[]) {
  const holds = new Map<Channel, { until: Date; why: string }>();
  const { workflow, notification, now } = ctx;
  const audible = channels.filter((c) => c !== "in_app");
  if (audible.length === 0) return holds;
  const { recipient, quietHours } = await ctx.recipient();
  const zone = zoneOf(recipient.timezone);
  const opening = workflow.sendWindow === null ? null : nextSendOpening(now, zone, workflow.sendWindow);
  const critical =
    notification.priority === "critical" && isRequiredCategory(notification.category, ctx.requiredCategories);
  for (const c of audible) {
    if (opening !== null) holds.set(c, { until: opening, why: "the send window" });
    const quietEnd = quietUntil(now, recipient.timezone, quietHours, c, critical);
    if (quietEnd !== null && (opening === null || quietEnd > opening)) {
      holds.set(c, { until: quietEnd, why: "quiet hours" });
    }
  }
  return holds;
}

/** The digest's notifications, for deliver steps after a digest step of a run that delivers one. */
async function digestEvents(ctx: StepContext, i: number): Promise<DigestEvent[] | null> {
  const { run, workflow, tx } = ctx;
  if (run.digestId === "" || !workflow.steps.slice(0, i).some((s) => s.kind === "digest")) return null;
  const ids = await workflowDigestStore.notificationsOf(tx, run.tenantId, run.digestId);
  const collected = await notificationStore.getMany(tx, run.tenantId, ids);
  return collected.map((n) => ({
    id: n.id,
    category: n.category,
    title: n.title,
    body: n.body,
    data: n.data ?? {},
    create_time: n.createdAt.toISOString(),
  }));
}

const hhmm = (t: { hour: number; minute: number }) =>
  `${String(t.hour).padStart(2, "0")}:${String(t.minute).padStart(2, "0")}`;
