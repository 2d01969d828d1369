import { InvalidArgumentError } from "../domain/errors.js";
import type { Channel, Notification } from "../domain/notification.js";
import { isRequiredCategory } from "../domain/preferences.js";
import type { Workflow, WorkflowStep } from "../domain/workflow.js";
import type { Queryable } from "../store/database.js";
import { notificationStore } from "../store/notification-store.js";
import { digestCapacity, workflowDigestStore } from "../store/workflow-digest-store.js";
import { type RunState, workflowRunStore } from "../store/workflow-run-store.js";
import { workflowThrottleStore } from "../store/workflow-throttle-store.js";
import { compileCondition, evaluateCondition } from "./conditions.js";
import { keyAt, timeAt } from "./data-path.js";
import type { DeliverStep, DigestEvent, NextTimer } from "./engine.js";
import { nextLocalTime, nextSendOpening, zoneOf } from "./local-time.js";
import { quietUntil } from "./quiet-hours.js";
import { conditionInput, type RecipientView } from "./run-inputs.js";
import { markDone, markWaiting, skip, skipRest } from "./run-log.js";

/** What the steps of one firing work with. */
export interface StepContext {
  tx: Queryable;
  run: RunState;
  workflow: Workflow;
  notification: Notification;
  now: Date;
  deliver: DeliverStep;
  requiredCategories: readonly string[];
  /** The recipient's profile and quiet hours, read on first use. */
  recipient: () => Promise<RecipientView>;
  /** Set when a step queued deliveries. */
  queued: boolean;
}

/** What one step decided: go on, wait for a timer, or end the run. */
type StepResult =
  | { kind: "next" }
  | { kind: "jump"; to: number }
  | { kind: "stopBefore"; at: number }
  | { kind: "wait"; timer: Exclude<NextTimer, null> }
  | { kind: "end"; status: "completed" | "digested" };

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
  const ids = await workflowDigestStore.notificationsOf(tx, run.digestId);
  const collected = await notificationStore.getMany(tx, ids);
  return collected.map((n) => ({
    id: n.id,
    category: n.category,
    title: n.title,
    body: n.body,
    data: n.data ?? {},
    create_time: n.createdAt.toISOString(),
  }));
}

/**
 * The first notification of a key opens a digest and waits for its window;
 * later ones join it and their runs end here (the digest's run delivers
 * them). A digest that reaches max_count (or its capacity) closes at once and
 * its run's timer is made due.
 */
async function digestStep(ctx: StepContext, step: Extract<WorkflowStep, { kind: "digest" }>, i: number) {
  const { run, now, notification, tx } = ctx;
  const scope = {
    userId: run.userId,
    workflowKey: run.workflowKey,
    digestKey: step.keyPath === "" ? notification.category : keyAt(notification.data, step.keyPath),
    stepIndex: i,
  };
  const max = step.maxCount > 0 ? Math.min(step.maxCount, digestCapacity) : digestCapacity;
  for (let tries = 0; tries < 3; tries++) {
    const open = await workflowDigestStore.lockOpen(tx, scope);
    if (open !== null && open.ownerRunId !== run.id) {
      const full = open.notificationIds.length + 1 >= max;
      await workflowDigestStore.join(tx, open.id, notification.id, full ? now : null);
      if (full) await workflowRunStore.hurry(tx, open.ownerRunId, now);
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

async function throttleStep(ctx: StepContext, step: Extract<WorkflowStep, { kind: "throttle" }>, i: number) {
  const { run, now, notification, workflow } = ctx;
  const { passed, count } = await workflowThrottleStore.pass(
    ctx.tx,
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

function wait(stepIndex: number, dueAt: Date, purpose: "delay" | "digest" | "hold", heldChannels: string[] = []) {
  return { kind: "wait", timer: { stepIndex, dueAt, purpose, heldChannels } } as const;
}

const hhmm = (t: { hour: number; minute: number }) =>
  `${String(t.hour).padStart(2, "0")}:${String(t.minute).padStart(2, "0")}`;
