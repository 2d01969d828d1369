import type { DigestLink, RunStatus, WorkflowRun } from "../domain/workflow.js";
import type { Queryable } from "./database.js";
import { type StepJson, stepsFromJson } from "./workflow-step-log.js";

/** Which runs ListWorkflowRuns wants; an empty string or null matches every run. */
export interface RunFilter {
  notificationId: string;
  userId: string;
  workflowKey: string;
  status: RunStatus | null;
}

/**
 * Where a page of runs continues: the last run's `created_at` to the
 * microsecond (a JS Date keeps only milliseconds, which would skip or repeat
 * runs made in the same millisecond) and its id, as `<ISO time> <uuid>`.
 */
export type RunCursor = string;

/** What a run cursor looks like; anything else is refused before it reaches SQL. */
export const runCursorPattern = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z [0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/;

interface RunRow {
  id: string;
  workflow_key: string;
  workflow_version: number;
  notification_id: string;
  user_id: string;
  cancellation_key: string | null;
  status: RunStatus;
  steps: StepJson[];
  digest_id: string | null;
  created_at: Date;
  finished_at: Date | null;
  cursor: string;
}

const toRun = (r: RunRow): WorkflowRun => ({
  id: r.id,
  workflowKey: r.workflow_key,
  workflowVersion: r.workflow_version,
  notificationId: r.notification_id,
  userId: r.user_id,
  cancellationKey: r.cancellation_key ?? "",
  status: r.status,
  steps: stepsFromJson(r.steps),
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  digestId: r.digest_id ?? "",
});

const columns = `r.id, r.workflow_key, r.workflow_version, r.notification_id, r.user_id, r.cancellation_key,
  r.status, r.steps, r.digest_id, r.created_at, r.finished_at,
  to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || ' ' || r.id AS cursor`;

/**
 * The WHERE clause of a list: only the filters that are set, so each
 * combination gets a plan of its own that uses its index (user, notification,
 * or the newest-first one).
 */
function listWhere(tenantId: string, filter: RunFilter, after: RunCursor | null): { where: string; values: unknown[] } {
  const conditions: string[] = ["r.tenant_id = $1"];
  const values: unknown[] = [tenantId];
  const add = (sql: (n: string) => string, value: unknown) => {
    values.push(value);
    conditions.push(sql(`$${values.length}`));
  };
  if (filter.notificationId !== "") add((n) => `r.notification_id = ${n}::uuid`, filter.notificationId);
  if (filter.userId !== "") add((n) => `r.user_id = ${n}`, filter.userId);
  if (filter.workflowKey !== "") add((n) => `r.workflow_key = ${n}`, filter.workflowKey);
  if (filter.status !== null) add((n) => `r.status = ${n}`, filter.status);
  if (after !== null) {
    const [at, id] = after.split(" ");
    values.push(at, id);
    conditions.push(`(r.created_at, r.id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
  }
  return { where: `WHERE ${conditions.join(" AND ")}`, values };
}

/**
 * Reads of workflow runs (the engine writes them), for WorkflowService and
 * GetNotification; each in one tenant: another tenant's run is not there.
 */
export const workflowRunReads = {
  async get(q: Queryable, tenantId: string, id: string): Promise<WorkflowRun | null> {
    const [row] = await q.rows<RunRow>(
      `SELECT ${columns} FROM workflow_runs r WHERE r.tenant_id = $2 AND r.id = $1::uuid`,
      [id, tenantId],
    );
    return row === undefined ? null : toRun(row);
  },

  /**
   * One page of runs, newest first, and the cursor of the next page (null on
   * the last). `after` must match `runCursorPattern`.
   */
  async list(
    q: Queryable,
    tenantId: string,
    filter: RunFilter,
    pageSize: number,
    after: RunCursor | null,
  ): Promise<{ runs: WorkflowRun[]; next: RunCursor | null }> {
    const { where, values } = listWhere(tenantId, filter, after);
    // One more row than asked says whether another page exists.
    const rows = await q.rows<RunRow>(
      `SELECT ${columns} FROM workflow_runs r ${where} ORDER BY r.created_at DESC, r.id DESC LIMIT ${pageSize + 1}`,
      values,
    );
    const page = rows.slice(0, pageSize);
    const last = page[page.length - 1];
    return { runs: page.map(toRun), next: rows.length > pageSize && last !== undefined ? last.cursor : null };
  },

  /** The runs of one notification, oldest first. */
  async ofNotification(q: Queryable, tenantId: string, notificationId: string): Promise<WorkflowRun[]> {
    const rows = await q.rows<RunRow>(
      `SELECT ${columns} FROM workflow_runs r WHERE r.tenant_id = $2 AND r.notification_id = $1::uuid
       ORDER BY r.created_at, r.id`,
      [notificationId, tenantId],
    );
    return rows.map(toRun);
  },

  /** The digest (open or closed) that collected this notification, or null; the GIN index finds it. */
  async digestOf(q: Queryable, tenantId: string, notificationId: string): Promise<DigestLink | null> {
    const [row] = await q.rows<{ id: string; owner: string; notification_ids: string[]; closed: boolean }>(
      `SELECT d.id, r.notification_id AS owner, d.notification_ids::text[] AS notification_ids, d.closed_at IS NOT NULL AS closed
       FROM workflow_digests d JOIN workflow_runs r ON r.tenant_id = d.tenant_id AND r.id = d.owner_run_id
       WHERE d.tenant_id = $2 AND d.notification_ids @> ARRAY[$1::uuid]
       ORDER BY d.created_at DESC LIMIT 1`,
      [notificationId, tenantId],
    );
    return row === undefined
      ? null
      : { digestId: row.id, notificationId: row.owner, notificationIds: row.notification_ids, closed: row.closed };
  },
};

export type WorkflowRunReads = typeof workflowRunReads;
