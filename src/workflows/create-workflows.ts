import type { Logger } from "pino";
import type { Clock } from "../domain/clock.js";
import type { ChangeKind } from "../domain/feed-event.js";
import type { TenantSettings } from "../domain/tenant-settings.js";
import type { Workflow } from "../domain/workflow.js";
import type { Database, Queryable } from "../store/database.js";
import { workflowThrottleStore } from "../store/workflow-throttle-store.js";
import { workflowTimerStore } from "../store/workflow-timer-store.js";
import { type ChangedState, createWorkflowEngine, type DeliverStep } from "./engine.js";
import { createTimerFirer } from "./timer-firer.js";

export interface WorkflowSettings {
  /** Timers one transaction claims (WORKFLOW_TIMER_BATCH). */
  timerBatch: number;
  /** Rounds of firing that run side by side in each process (WORKFLOW_TIMER_CONCURRENCY). */
  timerConcurrency: number;
  /** Pause between rounds that found nothing due (WORKFLOW_TIMER_INTERVAL_MS). */
  timerIntervalMs: number;
  /** Wait before a timer whose firing failed is tried again (WORKFLOW_TIMER_RETRY_MS). */
  timerRetryMs: number;
}

export interface WorkflowsOptions {
  db: Database;
  clock: Clock;
  loadWorkflow: (tenantId: string, key: string, version: number, q: Queryable) => Promise<Workflow | null>;
  deliver: DeliverStep;
  requiredCategories: readonly string[];
  /** A tenant's settings (its own required categories); undefined: none. */
  tenantSettings: (tenantId: string) => TenantSettings | undefined;
  settings: WorkflowSettings;
  onQueued: () => void;
  observeLag?: (seconds: number) => void;
  logger: Logger;
}

/** The longest throttle window the contract allows; older hits count for nothing. */
const throttleHorizonMs = 30 * 24 * 3_600_000;

/**
 * The workflows wing: the engine that moves runs, the rounds that fire due
 * timers (background tasks for the scheduler), and what other wings call in
 * their own transactions (MarkRead settles, Cancel and CancelWorkflows cancel).
 */
export function createWorkflows(o: WorkflowsOptions) {
  const engine = createWorkflowEngine({
    loadWorkflow: o.loadWorkflow,
    deliver: o.deliver,
    requiredCategories: o.requiredCategories,
    tenantSettings: o.tenantSettings,
  });
  const fireDue = createTimerFirer({
    db: o.db,
    engine,
    clock: o.clock,
    batchSize: o.settings.timerBatch,
    retryMs: o.settings.timerRetryMs,
    onQueued: o.onQueued,
    ...(o.observeLag !== undefined && { observeLag: o.observeLag }),
    logger: o.logger,
  });
  const taskNames = Array.from({ length: Math.max(1, o.settings.timerConcurrency) }, (_, i) => `workflow-timers-${i}`);
  return {
    /** Background tasks: timer rounds, and pruning throttle hits no window reaches. */
    tasks: [
      ...taskNames.map((name) => ({
        name,
        everyMs: o.settings.timerIntervalMs,
        run: async () => (await fireDue()) >= o.settings.timerBatch,
      })),
      {
        name: "workflow-throttle-prune",
        everyMs: 3_600_000,
        run: async () => {
          await workflowThrottleStore.prune(o.db, new Date(o.clock.now().getTime() - throttleHorizonMs));
          return false;
        },
      },
    ],
    /** The names of the timer rounds, to kick when runs were started. */
    taskNames,
    /** One round of firing now (tests, benchmarks). */
    fireDue,
    /** MarkRead's hook: in its transaction, runs waiting on this state are decided. */
    settle: (tx: Queryable, changed: ChangedState, change: ChangeKind) =>
      engine.settleAfterChange(tx, changed, change, o.clock.now()),
    /** Cancel's hook: in its transaction, the notification's runs end. */
    cancelNotification: async (tx: Queryable, notificationId: string) =>
      engine.cancel(
        tx,
        await workflowTimerStore.timersOfNotification(tx, notificationId),
        "canceled: notification canceled",
        o.clock.now(),
      ),
    /** CancelWorkflows: every unfinished run of the tenant with this key (for these users, or all). */
    cancelByKey: (tenantId: string, cancellationKey: string, userIds: readonly string[]) =>
      o.db.transaction(async (tx) =>
        engine.cancel(
          tx,
          await workflowTimerStore.timersOfKey(tx, tenantId, cancellationKey, userIds),
          `canceled: cancellation key "${cancellationKey}"`,
          o.clock.now(),
        ),
      ),
    /** Pending timers and the oldest overdue one (metrics). */
    timerStats: () => workflowTimerStore.timerStats(o.db, o.clock.now()),
  };
}

export type Workflows = ReturnType<typeof createWorkflows>;

/** The gauges operators watch timers by: how many wait, and how late the oldest overdue one is. */
export function registerWorkflowGauges(
  metrics: { polledGauge: (name: string, help: string, read: () => Promise<number>) => void },
  timerStats: () => Promise<{ pending: number; oldestOverdueMs: number }>,
): void {
  metrics.polledGauge(
    "herald_workflow_timers_pending",
    "Workflow timers waiting to fire (due or not).",
    async () => (await timerStats()).pending,
  );
  metrics.polledGauge(
    "herald_workflow_timer_oldest_overdue_seconds",
    "How long the oldest due workflow timer has waited past its due time (0 when none is due).",
    async () => (await timerStats()).oldestOverdueMs / 1000,
  );
}
