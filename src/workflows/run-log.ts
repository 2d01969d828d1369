import { type RunStep, StepState } from "../domain/workflow.js";
import type { RunState } from "../store/workflow-run-store.js";

// The step log of a run (workflow_runs.steps): what each step did, when, and
// why; what operators read in GetWorkflowRun.

function set(run: RunState, index: number, change: Partial<RunStep>): void {
  const s = run.steps[index];
  if (s !== undefined) run.steps[index] = { ...s, ...change };
}

/** The step ran. */
export function markDone(run: RunState, index: number, now: Date, reason: string): void {
  set(run, index, { state: StepState.done, reason, firedAt: now, dueAt: null });
}

/** The step did not run, for `reason`. */
export function skip(run: RunState, index: number, now: Date, reason: string): void {
  set(run, index, { state: StepState.skipped, reason, firedAt: now, dueAt: null });
}

/** The step waits for its timer, due at `dueAt`. */
export function markWaiting(run: RunState, index: number, dueAt: Date, reason: string): void {
  set(run, index, { state: StepState.waiting, reason, dueAt });
}

/** Every step from `from` on that was pending or waiting is canceled. */
export function cancelPending(run: RunState, now: Date, reason: string, from = 0): void {
  for (let k = from; k < run.steps.length; k++) {
    const state = run.steps[k]?.state;
    if (state === StepState.pending || state === StepState.waiting) {
      set(run, k, { state: StepState.canceled, reason, firedAt: now, dueAt: null });
    }
  }
}

/** Every step from `from` on is skipped, for `reason`. */
export function skipRest(run: RunState, from: number, now: Date, reason: string): void {
  for (let k = from; k < run.steps.length; k++) skip(run, k, now, reason);
}
