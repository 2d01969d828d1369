import type { ChangeKind } from "../domain/feed-event.js";
import type { Channel, Notification } from "../domain/notification.js";
import { preferencePolicy } from "../domain/preferences.js";
import { userKey } from "../domain/tenant.js";
import type { TenantSettings } from "../domain/tenant-settings.js";
import type { RunStatus, Workflow } from "../domain/workflow.js";
import type { Queryable } from "../store/database.js";
import { notificationStore } from "../store/notification-store.js";
import type { TraceContext } from "../store/outbox-store.js";
import { workflowDigestStore } from "../store/workflow-digest-store.js";
import { type RunState, workflowRunStore } from "../store/workflow-run-store.js";
import { type DueTimer, type TimerPurpose, workflowTimerStore } from "../store/workflow-timer-store.js";
import { compileCondition, evaluateCondition } from "./conditions.js";
import { conditionInput, loadPeople, noPeople, type RecipientView } from "./run-inputs.js";
import { cancelPending, markDone, skip } from "./run-log.js";
import { runSteps } from "./run-steps.js";
import type { StepContext } from "./step-context.js";

/** One collected notification, as a digest's template sees it in `events`. */
export interface DigestEvent {
  id: string;
  category: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  create_time: string;
}

/** A deliver step's deliveries, handed to the dispatch path (never sent from here). */
export interface StepDelivery {
  /** The run's tenant: the notification's, whose recipients, templates and endpoints the deliveries use. */
  tenantId: string;
  notification: Notification;
  /** The recipient and their quiet hours, read already (the step needs no second read). */
  people: RecipientView;
  channels: Channel[];
  /** The template to render with; empty for the notification's own content. */
  templateKey: string;
  /** The digest's notifications, after a digest step; null otherwise. */
  events: DigestEvent[] | null;
  trace: TraceContext;
  /** Non-empty: record the deliveries as suppressed with this reason instead of queueing them. */
  suppressedReason: string;
}

/**
 * Writes a deliver step's deliveries (and their outbox rows) in `tx`; returns
 * the channels written. Throws InvalidArgumentError when the content cannot be
 * rendered (the step records it and the run goes on).
 */
export type DeliverStep = (tx: Queryable, delivery: StepDelivery) => Promise<Channel[]>;

export interface WorkflowEngineDeps {
  /** A stored workflow version of a tenant (versions never change, so callers may cache). */
  loadWorkflow: (tenantId: string, key: string, version: number, q: Queryable) => Promise<Workflow | null>;
  deliver: DeliverStep;
  /** Categories whose critical notifications ignore quiet hours (REQUIRED_CATEGORIES). */
  requiredCategories: readonly string[];
  /** A tenant's settings: its own required categories count as well; undefined: none. */
  tenantSettings: (tenantId: string) => TenantSettings | undefined;
}

/** What a firing round reads once for all its timers. */
interface BatchReads {
  runs: Map<string, RunState>;
  notifications: Map<string, Notification>;
  /** By `userKey(tenant, user)`: a batch holds runs of several tenants, and a user id is a person per tenant. */
  people: Map<string, RecipientView>;
}

/** Notifications whose in-app state changed: these of the user's (in the tenant), or all. */
export type ChangedState =
  | { tenantId: string; userId: string; ids: readonly string[] }
  | { tenantId: string; userId: string; all: true };

/** What firing a timer did. */
export interface FireOutcome {
  /** Deliveries went into the outbox: the relay should publish now. */
  queued: boolean;
}

const finished: ReadonlySet<RunStatus> = new Set(["completed", "canceled", "digested"]);

/**
 * Moves workflow runs: fires due timers, settles runs when a notification's
 * in-app state changes, cancels runs. Every method works in the caller's
 * transaction on runs whose timer rows the caller has locked (see
 * workflowRunStore), so each change of a run happens once.
 */
export function createWorkflowEngine(deps: WorkflowEngineDeps) {
  async function contextOf(
    tx: Queryable,
    timer: DueTimer,
    now: Date,
    known: BatchReads | null = null,
  ): Promise<StepContext | null> {
    const run =
      known?.runs.get(timer.runId) ?? (await workflowRunStore.runs(tx, timer.tenantId, [timer.runId])).get(timer.runId);
    if (run === undefined || finished.has(run.status)) return null;
    // On the transaction, one statement after the other: it holds timer locks
    // others wait on with pool connections, so it must not wait for another.
    const workflow = await deps.loadWorkflow(run.tenantId, run.workflowKey, run.workflowVersion, tx);
    const notification =
      known?.notifications.get(run.notificationId) ??
      (await notificationStore.get(tx, run.tenantId, run.notificationId));
    if (workflow === null || notification === null || notification === undefined) return null;
    const people = known?.people.get(userKey(run.tenantId, run.userId));
    return {
      tx,
      run,
      workflow,
      notification,
      now,
      deliver: deps.deliver,
      requiredCategories: preferencePolicy(deps.requiredCategories, deps.tenantSettings(run.tenantId))
        .requiredCategories,
      recipient: async () =>
        people ?? (await loadPeople(tx, run.tenantId, [run.userId])).get(run.userId) ?? noPeople(run.userId),
      queued: false,
    };
  }

  /** Moves one timer's run on from the step it waited on (its context read already). */
  async function move(ctx: StepContext, timer: DueTimer): Promise<FireOutcome> {
    const { run, tx, now } = ctx;
    let from = timer.stepIndex;
    let held: Channel[] | null = null;
    if (timer.purpose === "delay") {
      markDone(run, from, now, "waited");
      from += 1;
    } else if (timer.purpose === "digest") {
      const ids = await workflowDigestStore.close(tx, run.tenantId, run.digestId, now);
      markDone(run, from, now, `digested ${ids.length} notification${ids.length === 1 ? "" : "s"}`);
      from += 1;
    } else if (timer.purpose === "hold") {
      held = timer.heldChannels as Channel[];
    }
    const next = await runSteps(ctx, from, held);
    await workflowRunStore.save(tx, run, next, next === null ? now : null);
    return { queued: ctx.queued };
  }

  return {
    /**
     * Fires claimed timers in `tx`: their runs go on from the steps they
     * waited on. What every run needs (the runs, notifications, recipients
     * and quiet hours) is read for the whole batch first, a statement each.
     * A batch holds timers of any tenant: runs are read per tenant, each with
     * the tenant its timer carries.
     */
    async fireBatch(tx: Queryable, timers: readonly DueTimer[], now: Date): Promise<FireOutcome> {
      if (timers.length === 0) return { queued: false };
      const runs = await runsOf(tx, timers);
      const live = [...runs.values()];
      const notifications = await notificationsOf(tx, live);
      const people = await peopleOf(tx, live);
      const known: BatchReads = { runs, notifications, people };
      let queued = false;
      for (const timer of timers) {
        const ctx = await contextOf(tx, timer, now, known);
        if (ctx === null) {
          await workflowTimerStore.dropTimer(tx, timer.id);
          continue;
        }
        queued = (await move(ctx, timer)).queued || queued;
      }
      return { queued };
    },

    /** Fires one claimed timer (a batch that failed is fired again one timer at a time). */
    async fire(tx: Queryable, timer: DueTimer, now: Date): Promise<FireOutcome> {
      const ctx = await contextOf(tx, timer, now);
      if (ctx === null) {
        await workflowTimerStore.dropTimer(tx, timer.id);
        return { queued: false };
      }
      return move(ctx, timer);
    },

    /**
     * After MarkRead changed these notifications (in `tx`, before it commits):
     * a run waiting on a delay whose next step is a condition on the changed
     * state is decided now. If the condition has become false, the run ends
     * here, so a read and an escalation timer can never both win: whichever
     * locks the timer first decides, and the other sees its outcome.
     */
    async settleAfterChange(tx: Queryable, changed: ChangedState, change: ChangeKind, now: Date) {
      const state = change === "archived" || change === "unarchived" ? "archived" : "read";
      const ids = "ids" in changed ? changed.ids : null;
      if (ids !== null && ids.length === 0) return;
      const timers = await workflowTimerStore.gatedTimers(tx, changed.tenantId, changed.userId, ids);
      for (const timer of timers) {
        const ctx = await contextOf(tx, timer, now);
        if (ctx === null) continue;
        const { run, workflow } = ctx;
        let j = timer.stepIndex + 1;
        while (workflow.steps[j]?.kind === "delay") j += 1;
        const step = workflow.steps[j];
        if (step?.kind !== "condition" || !mentions(step.expression, state)) continue;
        const input = conditionInput(ctx.notification, await ctx.recipient());
        // Checked at upsert; compiling again is a cached lookup.
        const { value } = evaluateCondition(compileCondition(step.expression, "expression"), input);
        if (value) continue;
        const reason = `canceled: ${change}`;
        cancelPending(run, now, reason, timer.stepIndex);
        for (let k = timer.stepIndex + 1; k < run.steps.length; k++) {
          skip(
            run,
            k,
            now,
            k === j ? `condition false after the notification was ${change}` : `condition at step ${j} was false`,
          );
        }
        run.status = "completed";
        await workflowRunStore.save(tx, run, null, now);
      }
    },

    /** Cancels the runs of these locked timers; returns how many. */
    async cancel(tx: Queryable, timers: readonly DueTimer[], reason: string, now: Date): Promise<number> {
      let count = 0;
      for (const timer of timers) {
        const run = (await workflowRunStore.runs(tx, timer.tenantId, [timer.runId])).get(timer.runId);
        if (run === undefined || finished.has(run.status)) continue;
        cancelPending(run, now, reason);
        run.status = "canceled";
        await workflowRunStore.save(tx, run, null, now);
        count += 1;
      }
      return count;
    },
  };
}

export type WorkflowEngine = ReturnType<typeof createWorkflowEngine>;

/** The recipients of these runs, read per tenant, keyed by `userKey(tenant, user)`. */
/** The runs' notifications, read per tenant (a statement per tenant in the batch), keyed by id. */
/** The distinct values of `key` of `items`, per tenant: a batch's reads take one statement per tenant. */
function groupByTenant<T extends { tenantId: string }>(
  items: readonly T[],
  key: (item: T) => string,
): Array<[string, string[]]> {
  const byTenant = new Map<string, Set<string>>();
  for (const item of items) byTenant.set(item.tenantId, (byTenant.get(item.tenantId) ?? new Set()).add(key(item)));
  return [...byTenant].map(([tenantId, values]) => [tenantId, [...values]]);
}

async function notificationsOf(tx: Queryable, runs: readonly RunState[]): Promise<Map<string, Notification>> {
  const notifications = new Map<string, Notification>();
  for (const [tenantId, ids] of groupByTenant(runs, (r) => r.notificationId)) {
    for (const n of await notificationStore.getMany(tx, tenantId, ids)) notifications.set(n.id, n);
  }
  return notifications;
}

async function peopleOf(tx: Queryable, runs: readonly RunState[]): Promise<Map<string, RecipientView>> {
  const people = new Map<string, RecipientView>();
  for (const [tenantId, userIds] of groupByTenant(runs, (r) => r.userId)) {
    for (const [userId, view] of await loadPeople(tx, tenantId, userIds)) people.set(userKey(tenantId, userId), view);
  }
  return people;
}

/** The runs of these timers, keyed by run id. */
async function runsOf(tx: Queryable, timers: readonly DueTimer[]): Promise<Map<string, RunState>> {
  const runs = new Map<string, RunState>();
  for (const [tenantId, ids] of groupByTenant(timers, (t) => t.runId)) {
    for (const [id, run] of await workflowRunStore.runs(tx, tenantId, ids)) runs.set(id, run);
  }
  return runs;
}

/** A timer to set for a run, or null when the run is finished. */
export type NextTimer = { stepIndex: number; dueAt: Date; purpose: TimerPurpose; heldChannels: string[] } | null;

/** Whether an expression reads this in-app state (`seen` reads as `read`: Herald has no separate seen state yet). */
function mentions(expression: string, state: "read" | "archived"): boolean {
  const names = state === "read" ? ["read", "seen"] : ["archived"];
  return names.some((n) => new RegExp(`\\bnotification\\s*\\.\\s*${n}\\b`).test(expression));
}
