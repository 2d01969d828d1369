import type { Queryable } from "./database.js";

/** Why a timer exists: a run to start, a delay, a digest window, deliveries held by quiet hours or a send window. */
export type TimerPurpose = "start" | "delay" | "digest" | "hold";

/** A due timer, claimed (row-locked) by the transaction that fires it. */
export interface DueTimer {
  id: number;
  runId: string;
  /** Its run's tenant (timers have none of their own): the firing carries it on to every read and write. */
  tenantId: string;
  notificationId: string;
  stepIndex: number;
  dueAt: Date;
  purpose: TimerPurpose;
  heldChannels: string[];
}

/**
 * Workflow timers: one per unfinished run (workflowRunStore writes it with
 * the run). Whoever changes a run holds its timer's row lock first: the firing
 * transaction (claimDue, claimById), MarkRead (gatedTimers), Cancel and
 * CancelWorkflows (timersOfNotification, timersOfKey). So a firing timer and
 * a read, or two processes, can never both move one run. Timers belong to no
 * tenant: the firer takes every tenant's due timers, each with its run's
 * tenant; reads on behalf of a caller (gatedTimers, timersOfKey) filter by the
 * caller's tenant.
 */
export const workflowTimerStore = {
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
      `SELECT ${timerColumns} FROM workflow_timers t JOIN workflow_runs r ON r.id = t.run_id
       WHERE t.due_at <= $1 ORDER BY t.due_at, t.id LIMIT $2 FOR UPDATE OF t SKIP LOCKED`,
      [now, limit],
    );
    return rows.map(toTimer);
  },

  /** Claims one timer by id if it is (still) due and no transaction holds it. */
  async claimById(q: Queryable, timerId: number, now: Date): Promise<DueTimer[]> {
    const rows = await q.rows<TimerRow>(
      `SELECT ${timerColumns} FROM workflow_timers t JOIN workflow_runs r ON r.id = t.run_id
       WHERE t.id = $1 AND t.due_at <= $2 FOR UPDATE OF t SKIP LOCKED`,
      [timerId, now],
    );
    return rows.map(toTimer);
  },

  /**
   * Locks (waiting for a firing transaction to end) the delay timers of this
   * user's runs (in this tenant), of these notifications or (null) all: the
   * ones a change of in-app state may settle. Returns what is left of them
   * once locked.
   */
  async gatedTimers(
    q: Queryable,
    tenantId: string,
    userId: string,
    notificationIds: readonly string[] | null,
  ): Promise<DueTimer[]> {
    const rows = await q.rows<TimerRow>(
      `SELECT ${timerColumns} FROM workflow_timers t JOIN workflow_runs r ON r.id = t.run_id
       WHERE r.tenant_id = $3 AND r.user_id = $1 AND ($2::uuid[] IS NULL OR t.notification_id = ANY($2::uuid[]))
         AND t.purpose = 'delay'
       ORDER BY t.id FOR UPDATE OF t`,
      [userId, notificationIds, tenantId],
    );
    return rows.map(toTimer);
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
   * Locks the timers of the tenant's unfinished runs sent with this
   * cancellation key (for these users, or all when empty), waiting for firing
   * transactions to end.
   */
  async timersOfKey(
    q: Queryable,
    tenantId: string,
    cancellationKey: string,
    userIds: readonly string[],
  ): Promise<DueTimer[]> {
    const rows = await q.rows<TimerRow>(
      `SELECT ${timerColumns} FROM workflow_timers t JOIN workflow_runs r ON r.id = t.run_id
       WHERE r.tenant_id = $3 AND r.cancellation_key = $1 AND r.finished_at IS NULL
         AND (cardinality($2::text[]) = 0 OR r.user_id = ANY($2::text[]))
       ORDER BY t.id FOR UPDATE OF t`,
      [cancellationKey, userIds, tenantId],
    );
    return rows.map(toTimer);
  },

  /**
   * Locks the timers of one notification's unfinished runs (Cancel, which
   * found the notification in the caller's tenant already).
   */
  async timersOfNotification(q: Queryable, notificationId: string): Promise<DueTimer[]> {
    const rows = await q.rows<TimerRow>(
      `SELECT ${timerColumns} FROM workflow_timers t JOIN workflow_runs r ON r.id = t.run_id
       WHERE t.notification_id = $1 ORDER BY t.id FOR UPDATE OF t`,
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

/** Every read joins the timer's run (`r`) for its tenant. */
const timerColumns =
  "t.id, t.run_id, r.tenant_id, t.notification_id, t.step_index, t.due_at, t.purpose, t.held_channels";

interface TimerRow {
  id: number;
  run_id: string;
  tenant_id: string;
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
    tenantId: r.tenant_id,
    notificationId: r.notification_id,
    stepIndex: r.step_index,
    dueAt: r.due_at,
    purpose: r.purpose,
    heldChannels: r.held_channels,
  };
}
