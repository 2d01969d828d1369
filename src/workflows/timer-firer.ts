import type { Logger } from "pino";
import type { Clock } from "../domain/clock.js";
import type { Database } from "../store/database.js";
import { type DueTimer, workflowTimerStore } from "../store/workflow-timer-store.js";
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
 * skipped) and moves their runs in one transaction, which commits them
 * together; returns how many it claimed. If the batch fails, each of its
 * timers is fired again in a transaction of its own, so one bad run is found
 * and put off by `retryMs` alone while the others go on. A timer due while no
 * process ran fires on the first round after, late but once.
 */
export function createTimerFirer(o: TimerFirerOptions) {
  const lagsOf = (timers: readonly DueTimer[], now: Date) =>
    timers.map((t) => (now.getTime() - t.dueAt.getTime()) / 1000);

  /** Fires one timer by id in its own transaction; a failure puts it off. */
  async function fireAlone(timerId: number, now: Date): Promise<{ queued: boolean; lags: number[] }> {
    try {
      return await o.db.transaction(async (tx) => {
        const timers = await workflowTimerStore.claimById(tx, timerId, now);
        const [timer] = timers;
        if (timer === undefined) return { queued: false, lags: [] };
        return { queued: (await o.engine.fire(tx, timer, now)).queued, lags: lagsOf(timers, now) };
      });
    } catch (err) {
      o.logger.warn({ err, timerId }, "workflow timer failed; trying again later");
      await workflowTimerStore.postpone(o.db, timerId, new Date(now.getTime() + o.retryMs));
      return { queued: false, lags: [] };
    }
  }

  return async function fireDue(): Promise<number> {
    const now = o.clock.now();
    // Most rounds find nothing: one statement says so, without a transaction.
    if (!(await workflowTimerStore.anyDue(o.db, now))) return 0;
    let claimed: DueTimer[] = [];
    let queued = false;
    let lags: number[] = [];
    try {
      queued = await o.db.transaction(async (tx) => {
        claimed = await workflowTimerStore.claimDue(tx, now, o.batchSize);
        return (await o.engine.fireBatch(tx, claimed, now)).queued;
      });
      lags = lagsOf(claimed, now);
    } catch (err) {
      if (claimed.length === 0) throw err;
      o.logger.warn({ err, timers: claimed.length }, "a round of workflow timers failed; firing them one by one");
      for (const timer of claimed) {
        const one = await fireAlone(timer.id, now);
        queued ||= one.queued;
        lags.push(...one.lags);
      }
    }
    for (const lag of lags) o.observeLag?.(lag);
    if (queued) o.onQueued();
    return claimed.length;
  };
}
