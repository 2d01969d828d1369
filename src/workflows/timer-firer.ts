import type { Logger } from "pino";
import type { Clock } from "../domain/clock.js";
import type { Database } from "../store/database.js";
import { workflowRunStore } from "../store/workflow-run-store.js";
import type { WorkflowEngine } from "./engine.js";

export interface TimerFirerOptions {
  db: Database;
  engine: WorkflowEngine;
  clock: Clock;
  /** Timers claimed per transaction. */
  batchSize: number;
  /** How long a timer whose firing failed unexpectedly waits before it is tried again. */
  retryMs: number;
  /** Deliveries went into the outbox: publish them now. */
  onQueued: () => void;
  /** How late each timer fired, in seconds after its due time. */
  observeLag?: (seconds: number) => void;
  logger: Logger;
}

/**
 * One round of firing: claims due timers (rows other processes hold are
 * skipped), moves each timer's run in a savepoint of one transaction, and
 * commits them together; returns how many it claimed. A timer whose firing
 * throws is rolled back alone and put off by `retryMs`, so one bad run never
 * holds up the others. A timer due while no process ran fires on the first
 * round after, late but once.
 */
export function createTimerFirer(o: TimerFirerOptions) {
  return async function fireDue(): Promise<number> {
    const now = o.clock.now();
    // Most rounds find nothing: one statement says so, without a transaction.
    if (!(await workflowRunStore.anyDue(o.db, now))) return 0;
    let queued = false;
    const lags: number[] = [];
    const claimed = await o.db.transaction(async (tx) => {
      const timers = await workflowRunStore.claimDue(tx, now, o.batchSize);
      for (const timer of timers) {
        await tx.exec("SAVEPOINT herald_timer");
        try {
          const outcome = await o.engine.fire(tx, timer, now);
          await tx.exec("RELEASE SAVEPOINT herald_timer");
          queued ||= outcome.queued;
          lags.push((now.getTime() - timer.dueAt.getTime()) / 1000);
        } catch (err) {
          await tx.exec("ROLLBACK TO SAVEPOINT herald_timer");
          o.logger.warn(
            { err, runId: timer.runId, step: timer.stepIndex },
            "workflow timer failed; trying again later",
          );
          await workflowRunStore.postpone(tx, timer.id, new Date(now.getTime() + o.retryMs));
        }
      }
      return timers.length;
    });
    for (const lag of lags) o.observeLag?.(lag);
    if (queued) o.onQueued();
    return claimed;
  };
}
