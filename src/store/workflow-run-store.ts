import type { RunStatus, RunStep, StepKind } from "../domain/workflow.js";
import type { Queryable } from "./database.js";
import type { TraceContext } from "./outbox-store.js";

/** Why a timer exists: a run to start, a delay, a digest window, deliveries held by quiet hours or a send window. */
export type TimerPurpose = "start" | "delay" | "digest" | "hold";

/** A run to start with a Send. */
export interface NewRun {
  id: string;
  workflowKey: string;
  workflowVersion: number;
  notificationId: string;
  userId: string;
  cancellationKey: string;
  /** The Send's template key, which deliver steps without their own render with. */
  templateKey: string;
  stepKinds: StepKind[];
  trace: TraceContext;
  createdAt: Date;
}

/** A due timer, claimed (row-locked) by the transaction that fires it. */
export interface DueTimer {
  id: number;
  runId: string;
  notificationId: string;
  stepIndex: number;
  dueAt: Date;
  purpose: TimerPurpose;
  heldChannels: string[];
}

/** A run as the engine reads and writes it. */
export interface RunState {
  id: string;
  workflowKey: string;
  workflowVersion: number;
  notificationId: string;
  userId: string;
  status: RunStatus;
  steps: RunStep[];
  digestId: string;
  templateKey: string;
  trace: TraceContext;
}

interface StepJson {
  kind: StepKind;
  state: RunStep["state"];
  reason: string;
  fired_at: string | null;
  due_at: string | null;
}

const stepsJson = (steps: readonly RunStep[]): string =>
  JSON.stringify(
    steps.map(
      (s): StepJson => ({
        kind: s.kind,
        state: s.state,
        reason: s.reason,
        fired_at: s.firedAt?.toISOString() ?? null,
        due_at: s.dueAt?.toISOString() ?? null,
      }),
    ),
  );

/** Parses the step log of workflow_runs.steps. */
export function stepsFromJson(json: StepJson[]): RunStep[] {
  return json.map((s) => ({
    kind: s.kind,
    state: s.state,
    reason: s.reason,
    firedAt: s.fired_at === null ? null : new Date(s.fired_at),
    dueAt: s.due_at === null ? null : new Date(s.due_at),
  }));
}

/**
 * Workflow runs and their timers: the only writer of workflow_runs and
 * workflow_timers. A run that is not finished has exactly one timer (the
 * `start` timer of a new run, or what it waits for), and whoever changes a run
 * holds its timer's row lock first: the firing transaction (claim), MarkRead
 * (gatedTimers) and CancelWorkflows (cancel). So a firing timer and a read, or
 * two processes, can never both move one run.
 */
export const workflowRunStore = {
  /** Inserts runs and their start timers, due at `dueAt`. */
  async start(q: Queryable, runs: readonly NewRun[], dueAt: Date): Promise<void> {
    if (runs.length === 0) return;
    await q.exec(
      `WITH r AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, workflow_key text, workflow_version integer,
           notification_id uuid, user_id text, cancellation_key text, template_key text, steps jsonb, trace_context jsonb,
           created_at timestamptz)
       ),
       runs AS (
         INSERT INTO workflow_runs (id, workflow_key, workflow_version, notification_id, user_id, cancellation_key,
           template_key, status, steps, trace_context, created_at)
         SELECT id, workflow_key, workflow_version, notification_id, user_id, cancellation_key, template_key,
           'running', steps, trace_context, created_at FROM r
       )
       INSERT INTO workflow_timers (run_id, notification_id, step_index, due_at, purpose)
       SELECT id, notification_id, 0, $2, 'start' FROM r`,
      [
        JSON.stringify(
          runs.map((r) => ({
            id: r.id,
            workflow_key: r.workflowKey,
            workflow_version: r.workflowVersion,
            notification_id: r.notificationId,
            user_id: r.userId,
            cancellation_key: r.cancellationKey === "" ? null : r.cancellationKey,
            template_key: r.templateKey,
            steps: JSON.parse(
              stepsJson(
                r.stepKinds.map((kind) => ({ kind, state: "pending", reason: "", firedAt: null, dueAt: null })),
              ),
            ),
            trace_context: Object.keys(r.trace).length === 0 ? null : r.trace,
            created_at: r.createdAt.toISOString(),
          })),
        ),
        dueAt,
      ],
    );
  },

  /** Whether any timer is due at `now` (an idle round's only statement). */
  async anyDue(q: Queryable, now: Date): Promise<boolean> {
    const rows = await q.rows("SELECT 1 FROM workflow_timers WHERE due_at <= $1 LIMIT 1", [now]);
    return rows.length > 0;
  },

  /**
   * Claims up to `limit` timers due at `now`, row-locked until the transaction
   * of `q` ends; rows another process holds are skipped, so each fires once.
   */
  async claimDue(q: Queryable, now: Date, limit: number): Promise<DueTimer[]> {
    const rows = await q.rows<TimerRow>(
      `SELECT ${timerColumns} FROM workflow_timers t
       WHERE t.due_at <= $1 ORDER BY t.due_at, t.id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
    return rows.map(toTimer);
  },

  /** Claims one timer by id if it is (still) due and no transaction holds it. */
  async claimById(q: Queryable, timerId: number, now: Date): Promise<DueTimer[]> {
    const rows = await q.rows<TimerRow>(
      `SELECT ${timerColumns} FROM workflow_timers t WHERE t.id = $1 AND t.due_at <= $2 FOR UPDATE SKIP LOCKED`,
      [timerId, now],
    );
    return rows.map(toTimer);
  },

  /**
   * Locks (waiting for a firing transaction to end) the delay timers of this
   * user's runs, of these notifications or (null) all: the ones a change of
   * in-app state may settle. Returns what is left of them once locked.
   */
  async gatedTimers(q: Queryable, userId: string, notificationIds: readonly string[] | null): Promise<DueTimer[]> {
    const rows = await q.rows<TimerRow>(
      `SELECT ${timerColumns} FROM workflow_timers t JOIN workflow_runs r ON r.id = t.run_id
       WHERE r.user_id = $1 AND ($2::uuid[] IS NULL OR t.notification_id = ANY($2::uuid[]))
         AND t.purpose = 'delay'
       ORDER BY t.id FOR UPDATE OF t`,
      [userId, notificationIds],
    );
    return rows.map(toTimer);
  },

  /** The runs of these ids, keyed by id. */
  async runs(q: Queryable, ids: readonly string[]): Promise<Map<string, RunState>> {
    const rows = await q.rows<{
      id: string;
      workflow_key: string;
      workflow_version: number;
      notification_id: string;
      user_id: string;
      status: RunStatus;
      steps: StepJson[];
      digest_id: string | null;
      template_key: string;
      trace_context: TraceContext | null;
    }>(
      `SELECT id, workflow_key, workflow_version, notification_id, user_id, status, steps, digest_id, template_key,
         trace_context FROM workflow_runs WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(
      rows.map((r) => [
        r.id,
        {
          id: r.id,
          workflowKey: r.workflow_key,
          workflowVersion: r.workflow_version,
          notificationId: r.notification_id,
          userId: r.user_id,
          status: r.status,
          steps: stepsFromJson(r.steps),
          digestId: r.digest_id ?? "",
          templateKey: r.template_key,
          trace: r.trace_context ?? {},
        },
      ]),
    );
  },

  /**
   * Saves a run after it moved, and its next timer: `next` replaces the
   * current one, null removes it (the run finished or waits for nothing).
   */
  async save(
    q: Queryable,
    run: RunState,
    next: { stepIndex: number; dueAt: Date; purpose: TimerPurpose; heldChannels: string[] } | null,
    finishedAt: Date | null,
  ): Promise<void> {
    await q.exec(
      `WITH saved AS (
         UPDATE workflow_runs SET status = $2, steps = $3::jsonb, digest_id = $4, finished_at = $5 WHERE id = $1
         RETURNING id, notification_id
       ),
       gone AS (DELETE FROM workflow_timers WHERE run_id = $1 AND $6::integer IS NULL)
       INSERT INTO workflow_timers (run_id, notification_id, step_index, due_at, purpose, held_channels)
       SELECT id, notification_id, $6, $7, $8, $9::text[] FROM saved WHERE $6::integer IS NOT NULL
       ON CONFLICT (run_id) DO UPDATE SET step_index = EXCLUDED.step_index, due_at = EXCLUDED.due_at,
         purpose = EXCLUDED.purpose, held_channels = EXCLUDED.held_channels, created_at = now()`,
      [
        run.id,
        run.status,
        stepsJson(run.steps),
        run.digestId === "" ? null : run.digestId,
        finishedAt,
        next?.stepIndex ?? null,
        next?.dueAt ?? null,
        next?.purpose ?? null,
        next?.heldChannels ?? [],
      ],
    );
  },

  /** Removes a timer whose run is gone or finished. */
  async dropTimer(q: Queryable, timerId: number): Promise<void> {
    await q.exec("DELETE FROM workflow_timers WHERE id = $1", [timerId]);
  },

  /** Puts a timer off after its firing failed unexpectedly (the error is logged; the run retries). */
  async postpone(q: Queryable, timerId: number, dueAt: Date): Promise<void> {
    await q.exec("UPDATE workflow_timers SET due_at = $2 WHERE id = $1", [timerId, dueAt]);
  },

  /**
   * Makes a run's timer due now, unless a transaction holds it (then it is
   * firing already). Used when a digest fills up before its window ends.
   */
  async hurry(q: Queryable, runId: string, now: Date): Promise<void> {
    await q.exec(
      `UPDATE workflow_timers SET due_at = $2 WHERE id IN (
         SELECT id FROM workflow_timers WHERE run_id = $1 AND due_at > $2 FOR UPDATE SKIP LOCKED)`,
      [runId, now],
    );
  },

  /**
   * Locks the timers of unfinished runs sent with this cancellation key (for
   * these users, or all when empty), waiting for firing transactions to end.
   */
  async timersOfKey(q: Queryable, cancellationKey: string, userIds: readonly string[]): Promise<DueTimer[]> {
    const rows = await q.rows<TimerRow>(
      `SELECT ${timerColumns} FROM workflow_timers t JOIN workflow_runs r ON r.id = t.run_id
       WHERE r.cancellation_key = $1 AND r.finished_at IS NULL
         AND (cardinality($2::text[]) = 0 OR r.user_id = ANY($2::text[]))
       ORDER BY t.id FOR UPDATE OF t`,
      [cancellationKey, userIds],
    );
    return rows.map(toTimer);
  },

  /** Locks the timers of one notification's unfinished runs (Cancel). */
  async timersOfNotification(q: Queryable, notificationId: string): Promise<DueTimer[]> {
    const rows = await q.rows<TimerRow>(
      `SELECT ${timerColumns} FROM workflow_timers t WHERE t.notification_id = $1 ORDER BY t.id FOR UPDATE`,
      [notificationId],
    );
    return rows.map(toTimer);
  },

  /** Pending timers and how late the oldest overdue one is (metrics). */
  async timerStats(q: Queryable, now: Date): Promise<{ pending: number; oldestOverdueMs: number }> {
    const [row] = await q.rows<{ pending: number; overdue_ms: number | null }>(
      `SELECT count(*)::int AS pending,
         (extract(epoch FROM $1::timestamptz - min(due_at) FILTER (WHERE due_at <= $1)) * 1000)::float8 AS overdue_ms
       FROM workflow_timers`,
      [now],
    );
    return { pending: row?.pending ?? 0, oldestOverdueMs: Math.max(0, row?.overdue_ms ?? 0) };
  },
};

const timerColumns = "t.id, t.run_id, t.notification_id, t.step_index, t.due_at, t.purpose, t.held_channels";

interface TimerRow {
  id: number;
  run_id: string;
  notification_id: string;
  step_index: number;
  due_at: Date;
  purpose: TimerPurpose;
  held_channels: string[];
}

function toTimer(r: TimerRow): DueTimer {
  return {
    id: r.id,
    runId: r.run_id,
    notificationId: r.notification_id,
    stepIndex: r.step_index,
    dueAt: r.due_at,
    purpose: r.purpose,
    heldChannels: r.held_channels,
  };
}
