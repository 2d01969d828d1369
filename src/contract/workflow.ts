import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { type Duration, durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type DigestLink as DigestLinkPb,
  DigestLinkSchema,
  type LocalTime as LocalTimePb,
  type QuietHours as QuietHoursPb,
  QuietHoursSchema,
  WorkflowRunStatus as RunStatusPb,
  type SendWindow as SendWindowPb,
  WorkflowStepState as StepStatePb,
  ThrottleAction as ThrottleActionPb,
  type Workflow as WorkflowPb,
  type WorkflowRun as WorkflowRunPb,
  WorkflowRunSchema,
  WorkflowSchema,
  type WorkflowStep as WorkflowStepPb,
  type WorkflowStepSchema,
} from "../../gen/ts/herald/v1/workflow_pb.js";
import type { Channel } from "../domain/channel.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type {
  DailyWindow,
  DigestLink,
  LocalTime,
  QuietHours,
  RunStatus,
  SendWindow,
  StepState,
  Workflow,
  WorkflowDefinition,
  WorkflowRun,
  WorkflowStep,
} from "../domain/workflow.js";
import { channelFromPb, channelToPb } from "./notification.js";

// Requests reach these mappers after protovalidate (`required` fields and
// oneofs are set, enums defined); the throws below only guard against a
// caller that skipped it, so they name the field like protovalidate does.
const missing = (field: string): never => {
  throw new InvalidArgumentError(field, "value is required");
};

/** Milliseconds of a Duration, rounded up so a positive duration never becomes 0. */
export function durationToMs(d: Duration): number {
  return Number(d.seconds) * 1000 + Math.ceil(d.nanos / 1_000_000);
}

const localTimeFromPb = (t: LocalTimePb | undefined, field: string): LocalTime =>
  t === undefined ? missing(field) : { hour: t.hour, minute: t.minute };

const dailyWindowFromPb = (w: { start?: LocalTimePb; end?: LocalTimePb } | undefined, field: string): DailyWindow =>
  w === undefined
    ? missing(field)
    : { start: localTimeFromPb(w.start, `${field}.start`), end: localTimeFromPb(w.end, `${field}.end`) };

const sendWindowFromPb = (s: SendWindowPb | undefined): SendWindow | null =>
  s === undefined
    ? null
    : { weekdays: [...s.weekdays], window: dailyWindowFromPb(s.window, "workflow.send_window.window") };

/**
 * Quiet hours as use cases take them (UpdatePreferences). Channels are mapped
 * one for one, never filtered, so that an index the use case reports
 * (`quiet_hours.channels[2]`) is the index in the request.
 */
export function quietHoursFromPb(pb: QuietHoursPb, field = "quiet_hours"): QuietHours {
  return {
    window: dailyWindowFromPb(pb.window, `${field}.window`),
    channels: pb.channels.map((c, i): Channel => channelFromPb(c) ?? missing(`${field}.channels[${i}]`)),
    timezone: pb.timezone,
  };
}

export function quietHoursToPb(qh: QuietHours): QuietHoursPb {
  return create(QuietHoursSchema, { window: qh.window, channels: qh.channels.map(channelToPb), timezone: qh.timezone });
}

/** One step of a request, by its oneof case. */
function stepFromPb(step: WorkflowStepPb, field: string): WorkflowStep {
  const k = step.kind;
  switch (k.case) {
    case "deliver":
      return {
        kind: "deliver",
        channels: k.value.channels.map((c, i) => channelFromPb(c) ?? missing(`${field}.deliver.channels[${i}]`)),
        templateKey: k.value.templateKey,
      };
    case "delay": {
      const u = k.value.until;
      const f = `${field}.delay`;
      if (u.case === "duration") return { kind: "delay", until: { kind: "duration", ms: durationToMs(u.value) } };
      if (u.case === "dataPath") return { kind: "delay", until: { kind: "dataPath", path: u.value } };
      if (u.case === "localTime")
        return { kind: "delay", until: { kind: "localTime", at: localTimeFromPb(u.value, f) } };
      return missing(`${f}.until`);
    }
    case "condition":
      return { kind: "condition", expression: k.value.expression };
    case "digest": {
      const w = k.value.window;
      const window =
        w.case === "duration"
          ? { kind: "duration" as const, ms: durationToMs(w.value) }
          : w.case === "dailyAt"
            ? { kind: "dailyAt" as const, at: localTimeFromPb(w.value, `${field}.digest.daily_at`) }
            : missing(`${field}.digest.window`);
      return { kind: "digest", keyPath: k.value.keyPath, window, maxCount: k.value.maxCount };
    }
    case "throttle": {
      const t = k.value;
      return {
        kind: "throttle",
        limit: t.limit,
        windowMs: t.window === undefined ? missing(`${field}.throttle.window`) : durationToMs(t.window),
        keyPath: t.keyPath,
        // UNSPECIFIED means SUPPRESS (the contract's default).
        onExceed: t.onExceed === ThrottleActionPb.DIGEST ? "digest" : "suppress",
      };
    }
    default:
      return missing(`${field}.kind`);
  }
}

/** A workflow definition from UpsertWorkflow; `version` and `update_time` are ignored, as the contract says. */
export function workflowFromPb(pb: WorkflowPb): WorkflowDefinition {
  return {
    key: pb.key,
    description: pb.description,
    categories: [...pb.categories],
    steps: pb.steps.map((s, i) => stepFromPb(s, `workflow.steps[${i}]`)),
    sendWindow: sendWindowFromPb(pb.sendWindow),
  };
}

const channelsToPb = (channels: readonly Channel[]) => channels.map(channelToPb);

type StepKindInit = MessageInitShape<typeof WorkflowStepSchema>["kind"];

/** The oneof value of one stored step. */
function stepToPb(step: WorkflowStep): StepKindInit {
  switch (step.kind) {
    case "deliver":
      return { case: "deliver", value: { channels: channelsToPb(step.channels), templateKey: step.templateKey } };
    case "delay": {
      const u = step.until;
      const until =
        u.kind === "duration"
          ? { case: "duration" as const, value: durationFromMs(u.ms) }
          : u.kind === "dataPath"
            ? { case: "dataPath" as const, value: u.path }
            : { case: "localTime" as const, value: u.at };
      return { case: "delay", value: { until } };
    }
    case "condition":
      return { case: "condition", value: { expression: step.expression } };
    case "digest": {
      const w = step.window;
      const window =
        w.kind === "duration"
          ? { case: "duration" as const, value: durationFromMs(w.ms) }
          : { case: "dailyAt" as const, value: w.at };
      return {
        case: "digest",
        value: { keyPath: step.keyPath, window, maxCount: step.maxCount },
      };
    }
    case "throttle":
      return {
        case: "throttle",
        value: {
          limit: step.limit,
          window: durationFromMs(step.windowMs),
          keyPath: step.keyPath,
          onExceed: step.onExceed === "digest" ? ThrottleActionPb.DIGEST : ThrottleActionPb.SUPPRESS,
        },
      };
  }
}

/** A stored workflow version for the API. */
export function workflowToPb(w: Workflow): WorkflowPb {
  return create(WorkflowSchema, {
    key: w.key,
    description: w.description,
    categories: w.categories,
    steps: w.steps.map((s) => ({ kind: stepToPb(s) })),
    sendWindow: w.sendWindow ?? undefined,
    version: w.version,
    updateTime: timestampFromDate(w.updatedAt),
  });
}

const runStatuses: Record<RunStatus, RunStatusPb> = {
  running: RunStatusPb.RUNNING,
  waiting: RunStatusPb.WAITING,
  completed: RunStatusPb.COMPLETED,
  canceled: RunStatusPb.CANCELED,
  digested: RunStatusPb.DIGESTED,
};

const stepStates: Record<StepState, StepStatePb> = {
  pending: StepStatePb.PENDING,
  waiting: StepStatePb.WAITING,
  done: StepStatePb.DONE,
  skipped: StepStatePb.SKIPPED,
  canceled: StepStatePb.CANCELED,
};

/** A run status filter from ListWorkflowRuns; UNSPECIFIED (no filter) is null. */
export function runStatusFromPb(status: RunStatusPb): RunStatus | null {
  const found = Object.entries(runStatuses).find(([, pb]) => pb === status);
  return found === undefined ? null : (found[0] as RunStatus);
}

const ts = (date: Date | null) => (date === null ? undefined : timestampFromDate(date));

/** A run with every step, for the API. */
export function workflowRunToPb(r: WorkflowRun): WorkflowRunPb {
  return create(WorkflowRunSchema, {
    id: r.id,
    workflowKey: r.workflowKey,
    workflowVersion: r.workflowVersion,
    notificationId: r.notificationId,
    userId: r.userId,
    cancellationKey: r.cancellationKey,
    status: runStatuses[r.status],
    steps: r.steps.map((s, index) => ({
      index,
      kind: s.kind,
      state: stepStates[s.state],
      reason: s.reason,
      fireTime: ts(s.firedAt),
      dueTime: ts(s.dueAt),
    })),
    createTime: timestampFromDate(r.createdAt),
    finishTime: ts(r.finishedAt),
    digestId: r.digestId,
  });
}

/** A notification's digest, for GetNotification. */
export function digestLinkToPb(d: DigestLink): DigestLinkPb {
  return create(DigestLinkSchema, {
    digestId: d.digestId,
    notificationId: d.notificationId,
    notificationIds: d.notificationIds,
    closed: d.closed,
  });
}
