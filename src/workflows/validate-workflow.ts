import type { Channel } from "../domain/channel.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { WorkflowDefinition, WorkflowStep } from "../domain/workflow.js";
import { isEmptyWindow } from "./local-time.js";

/** What checking a workflow needs from the server it will run on. */
export interface WorkflowChecks {
  /** The channels this server offers; a deliver step may name only these. */
  channels: readonly Channel[];
  /**
   * Compiles a condition's CEL and checks it yields a bool; throws
   * InvalidArgumentError naming `field` when it does not.
   */
  checkCondition: (expression: string, field: string) => void;
}

/**
 * The checks on a workflow that protovalidate cannot express (they depend on
 * the server, or on the order of steps). The request already passed its proto
 * rules (the API's validate interceptor). Throws InvalidArgumentError naming
 * the first offending field, as `workflow.steps[2].deliver.channels[0]`.
 */
export function validateWorkflow(def: WorkflowDefinition, checks: WorkflowChecks): void {
  // protovalidate requires 1 to 32 steps; checked again here because a run of
  // no steps is meaningless to the engine whichever way the workflow came in.
  if (def.steps.length === 0) throw new InvalidArgumentError("workflow.steps", "must have at least 1 step");
  def.steps.forEach((step, i) => {
    checkStep(step, `workflow.steps[${i}]`, def.steps.slice(i + 1), checks);
  });
  // A window that opens and closes at once would never open: deliveries would wait for ever.
  if (def.sendWindow !== null && isEmptyWindow(def.sendWindow.window)) {
    throw new InvalidArgumentError("workflow.send_window.window", "start and end must differ");
  }
}

function checkStep(step: WorkflowStep, field: string, after: readonly WorkflowStep[], checks: WorkflowChecks): void {
  switch (step.kind) {
    case "deliver":
      step.channels.forEach((channel, j) => {
        if (!checks.channels.includes(channel)) {
          throw new InvalidArgumentError(
            `${field}.deliver.channels[${j}]`,
            `${channel} is not offered by this server (offered: ${checks.channels.join(", ")})`,
          );
        }
      });
      return;
    case "condition":
      checks.checkCondition(step.expression, `${field}.condition.expression`);
      return;
    case "digest":
      // The digest is sent by the next deliver step; without one it would collect forever.
      if (!after.some((s) => s.kind === "deliver")) {
        throw new InvalidArgumentError(`${field}.digest`, "must be followed, somewhere after it, by a deliver step");
      }
      return;
    case "throttle":
      // THROTTLE_ACTION_DIGEST sends what is over the limit to the next digest step.
      if (step.onExceed === "digest" && !after.some((s) => s.kind === "digest")) {
        throw new InvalidArgumentError(
          `${field}.throttle.on_exceed`,
          "THROTTLE_ACTION_DIGEST needs a digest step after the throttle",
        );
      }
      return;
    case "delay":
      return;
  }
}
