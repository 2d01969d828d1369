import type { Channel } from "./channel.js";

/** A time of day on a wall clock; the time zone comes from elsewhere (the recipient's). */
export interface LocalTime {
  hour: number;
  minute: number;
}

/** A daily span from start (included) to end (excluded); end at or before start spans midnight. */
export interface DailyWindow {
  start: LocalTime;
  end: LocalTime;
}

/** A user's quiet hours: deliveries (but in-app) due inside wait until the window ends. */
export interface QuietHours {
  window: DailyWindow;
  /** Channels it applies to; empty means every channel but in-app. */
  channels: Channel[];
  /** IANA zone of the window; empty means the recipient's (UTC when they have none). */
  timezone: string;
}

/** When a workflow may deliver outside in-app: ISO weekdays (1 = Monday; empty = every day) and hours. */
export interface SendWindow {
  weekdays: number[];
  window: DailyWindow;
}

/** How long, or until when, a delay step waits. */
export type DelayUntil =
  | { kind: "duration"; ms: number }
  | { kind: "dataPath"; path: string }
  | { kind: "localTime"; at: LocalTime };

/** How long a digest collects: a span after its first notification, or until a local time of day. */
export type DigestWindow = { kind: "duration"; ms: number } | { kind: "dailyAt"; at: LocalTime };

/** What a throttle does over its limit. */
export type ThrottleAction = "suppress" | "digest";

/** One step of a workflow. */
export type WorkflowStep =
  | { kind: "deliver"; channels: Channel[]; templateKey: string }
  | { kind: "delay"; until: DelayUntil }
  | { kind: "condition"; expression: string }
  | { kind: "digest"; keyPath: string; window: DigestWindow; maxCount: number }
  | { kind: "throttle"; limit: number; windowMs: number; keyPath: string; onExceed: ThrottleAction };

export type StepKind = WorkflowStep["kind"];

/** What an operator writes: a workflow without its version. */
export interface WorkflowDefinition {
  key: string;
  description: string;
  /** Category patterns: exact (`billing.invoice`) or a prefix ending in `.*` (`comments.*`). */
  categories: string[];
  steps: WorkflowStep[];
  sendWindow: SendWindow | null;
}

/** One stored version of a workflow. */
export interface Workflow extends WorkflowDefinition {
  version: number;
  updatedAt: Date;
}

/** Where a run stands. */
export const RunStatus = {
  running: "running",
  waiting: "waiting",
  completed: "completed",
  canceled: "canceled",
  digested: "digested",
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

/** Where one step of a run stands. */
export const StepState = {
  pending: "pending",
  waiting: "waiting",
  done: "done",
  skipped: "skipped",
  canceled: "canceled",
} as const;
export type StepState = (typeof StepState)[keyof typeof StepState];

/** What happened to one step of a run. */
export interface RunStep {
  kind: StepKind;
  state: StepState;
  /** Why it was skipped or canceled, or what it did (`condition false`, `throttled`, `quiet hours`). */
  reason: string;
  /** When it ran, was skipped or canceled. */
  firedAt: Date | null;
  /** When a waiting step's timer is due. */
  dueAt: Date | null;
}

/** One notification's way through one workflow version. */
export interface WorkflowRun {
  id: string;
  workflowKey: string;
  workflowVersion: number;
  notificationId: string;
  userId: string;
  cancellationKey: string;
  status: RunStatus;
  steps: RunStep[];
  createdAt: Date;
  finishedAt: Date | null;
  /** The digest this run's notification is in; empty for none. */
  digestId: string;
}

/** A notification's place in a digest (GetNotification). */
export interface DigestLink {
  digestId: string;
  /** The notification whose run delivers the digest (the first collected). */
  notificationId: string;
  notificationIds: string[];
  closed: boolean;
}

/** Does a category pattern (`comments.*` or exact) match this category? */
export function patternMatches(pattern: string, category: string): boolean {
  if (pattern.endsWith(".*")) return category.startsWith(pattern.slice(0, -1));
  return pattern === category;
}
