import type { RunStep, StepKind, StepState } from "../domain/workflow.js";

/** One element of `workflow_runs.steps`: a step's state, reason and times, as stored. */
export interface StepJson {
  kind: StepKind;
  state: StepState;
  reason: string;
  fired_at: string | null;
  due_at: string | null;
}

/** A run's step log as `workflow_runs.steps` stores it. */
export function stepsToJson(steps: readonly RunStep[]): StepJson[] {
  return steps.map((s) => ({
    kind: s.kind,
    state: s.state,
    reason: s.reason,
    fired_at: s.firedAt?.toISOString() ?? null,
    due_at: s.dueAt?.toISOString() ?? null,
  }));
}

/** Reads the step log of `workflow_runs.steps`. */
export function stepsFromJson(json: readonly StepJson[]): RunStep[] {
  return json.map((s) => ({
    kind: s.kind,
    state: s.state,
    reason: s.reason ?? "",
    firedAt: s.fired_at ? new Date(s.fired_at) : null,
    dueAt: s.due_at ? new Date(s.due_at) : null,
  }));
}
