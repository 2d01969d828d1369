import type { RunStatus, RunStep, StepKind } from "../domain/workflow.js";
import type { Queryable } from "./database.js";
import type { TraceContext } from "./outbox-store.js";
import { type StepJson, stepsFromJson, stepsToJson } from "./workflow-step-log.js";
import type { TimerPurpose } from "./workflow-timer-store.js";

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

/** A run as the engine reads and writes it. */
export interface RunState {
  id: string;
  /** The tenant of the notification it runs for; whatever the run reads or writes is of this tenant. */
  tenantId: string;
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

/**
 * Workflow runs: the only writer of workflow_runs. A run's timer row is
 * written with it, in the same statement, when it starts (its `start` timer)
 * and each time it moves (the next timer, or none once it finished); claiming,
 * locking and putting timers off is workflowTimerStore's.
 */
export const workflowRunStore = {
  /** Inserts runs (of one tenant's notifications) and their start timers, due at `dueAt`. */
  async start(q: Queryable, tenantId: string, runs: readonly NewRun[], dueAt: Date): Promise<void> {
    if (runs.length === 0) return;
    await q.exec(
      `WITH r AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, workflow_key text, workflow_version integer,
           notification_id uuid, user_id text, cancellation_key text, template_key text, steps jsonb, trace_context jsonb,
           created_at timestamptz)
       ),
       runs AS (
         INSERT INTO workflow_runs (tenant_id, id, workflow_key, workflow_version, notification_id, user_id,
           cancellation_key, template_key, status, steps, trace_context, created_at)
         SELECT $3, id, workflow_key, workflow_version, notification_id, user_id, cancellation_key, template_key,
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
            steps: stepsToJson(
              r.stepKinds.map((kind) => ({ kind, state: "pending", reason: "", firedAt: null, dueAt: null })),
            ),
            trace_context: Object.keys(r.trace).length === 0 ? null : r.trace,
            created_at: r.createdAt.toISOString(),
          })),
        ),
        dueAt,
        tenantId,
      ],
    );
  },

  /** The tenant's runs of these ids, keyed by id (another tenant's id finds nothing). */
  async runs(q: Queryable, tenantId: string, ids: readonly string[]): Promise<Map<string, RunState>> {
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
         trace_context FROM workflow_runs WHERE tenant_id = $2 AND id = ANY($1::uuid[])`,
      [ids, tenantId],
    );
    return new Map(
      rows.map((r) => [
        r.id,
        {
          id: r.id,
          tenantId,
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
   * The run is found in its own tenant (`run.tenantId`).
   */
  async save(
    q: Queryable,
    run: RunState,
    next: { stepIndex: number; dueAt: Date; purpose: TimerPurpose; heldChannels: string[] } | null,
    finishedAt: Date | null,
  ): Promise<void> {
    await q.exec(
      `WITH saved AS (
         UPDATE workflow_runs SET status = $2, steps = $3::jsonb, digest_id = $4, finished_at = $5
         WHERE tenant_id = $10 AND id = $1
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
        JSON.stringify(stepsToJson(run.steps)),
        run.digestId === "" ? null : run.digestId,
        finishedAt,
        next?.stepIndex ?? null,
        next?.dueAt ?? null,
        next?.purpose ?? null,
        next?.heldChannels ?? [],
        run.tenantId,
      ],
    );
  },
};
