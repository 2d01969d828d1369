import type { Notification } from "../domain/notification.js";
import type { Workflow } from "../domain/workflow.js";
import type { Queryable } from "../store/database.js";
import type { RunState } from "../store/workflow-run-store.js";
import type { DeliverStep, NextTimer } from "./engine.js";
import type { RecipientView } from "./run-inputs.js";

/** What the steps of one firing work with. */
export interface StepContext {
  tx: Queryable;
  run: RunState;
  workflow: Workflow;
  notification: Notification;
  now: Date;
  deliver: DeliverStep;
  /** The deployment's and the run's tenant's required categories. */
  requiredCategories: readonly string[];
  /** The recipient's profile and quiet hours, read on first use. */
  recipient: () => Promise<RecipientView>;
  /** Set when a step queued deliveries. */
  queued: boolean;
}

/** What one step decided: go on, wait for a timer, or end the run. */
export type StepResult =
  | { kind: "next" }
  | { kind: "jump"; to: number }
  | { kind: "stopBefore"; at: number }
  | { kind: "wait"; timer: Exclude<NextTimer, null> }
  | { kind: "end"; status: "completed" | "digested" };

/** A step waits for a timer at `dueAt`. */
export function wait(
  stepIndex: number,
  dueAt: Date,
  purpose: "delay" | "digest" | "hold",
  heldChannels: string[] = [],
) {
  return { kind: "wait", timer: { stepIndex, dueAt, purpose, heldChannels } } as const;
}
