import type { Migration } from "../migrator.js";

/**
 * Workflows (WorkflowService): definitions with every version kept, runs with
 * each step's state, and the durable timers that move runs on.
 * - `workflows` is the current version of each key; `workflow_versions` keeps
 *   them all (a run records the version it started on and finishes on it).
 *   `workflow_patterns` makes a category pattern belong to one workflow.
 * - `workflow_runs.steps` is the run's step log (state, reason, times), one
 *   jsonb array written with the run: an operator reads a run in one row.
 * - `workflow_timers`: at most one per run (the step it waits on). Any
 *   process claims due rows with FOR UPDATE SKIP LOCKED and advances the run
 *   in the same transaction that deletes the row, so each fires once.
 *   `notification_id` lets MarkRead find the timers its change may cancel.
 * - `workflow_digests`: one open digest per (user, workflow, key, step); the
 *   unique partial index keeps two concurrent first notifications from opening
 *   two.
 * - `workflow_throttle_hits`: the notifications a throttle let through, to
 *   count a sliding window; pruned by housekeeping.
 * - `quiet_hours`: one row per user (preferences).
 * - `recipients.attributes`: custom attributes, read by conditions.
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    CREATE TABLE workflows (
      key text PRIMARY KEY,
      version integer NOT NULL,
      deleted_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE workflow_versions (
      key text NOT NULL REFERENCES workflows (key) ON DELETE CASCADE,
      version integer NOT NULL,
      definition jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (key, version)
    );

    CREATE TABLE workflow_patterns (
      pattern text PRIMARY KEY,
      workflow_key text NOT NULL REFERENCES workflows (key) ON DELETE CASCADE
    );

    CREATE TABLE workflow_runs (
      id uuid PRIMARY KEY,
      workflow_key text NOT NULL,
      workflow_version integer NOT NULL,
      notification_id uuid NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
      user_id text NOT NULL,
      cancellation_key text,
      template_key text NOT NULL DEFAULT '',
      status text NOT NULL CHECK (status IN ('running', 'waiting', 'completed', 'canceled', 'digested')),
      steps jsonb NOT NULL,
      digest_id uuid,
      trace_context jsonb,
      created_at timestamptz NOT NULL,
      finished_at timestamptz
    );
    CREATE INDEX workflow_runs_notification ON workflow_runs (notification_id);
    CREATE INDEX workflow_runs_user ON workflow_runs (user_id, created_at DESC, id DESC);
    CREATE INDEX workflow_runs_recent ON workflow_runs (created_at DESC, id DESC);
    CREATE INDEX workflow_runs_cancellation ON workflow_runs (cancellation_key, user_id)
      WHERE cancellation_key IS NOT NULL AND finished_at IS NULL;

    CREATE TABLE workflow_timers (
      id bigserial PRIMARY KEY,
      run_id uuid NOT NULL UNIQUE REFERENCES workflow_runs (id) ON DELETE CASCADE,
      notification_id uuid NOT NULL,
      step_index integer NOT NULL,
      due_at timestamptz NOT NULL,
      purpose text NOT NULL CHECK (purpose IN ('start', 'delay', 'digest', 'hold')),
      held_channels text[] NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX workflow_timers_due ON workflow_timers (due_at, id);
    CREATE INDEX workflow_timers_notification ON workflow_timers (notification_id);

    CREATE TABLE workflow_digests (
      id uuid PRIMARY KEY,
      user_id text NOT NULL,
      workflow_key text NOT NULL,
      digest_key text NOT NULL,
      step_index integer NOT NULL,
      owner_run_id uuid NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
      notification_ids uuid[] NOT NULL,
      max_count integer NOT NULL,
      closes_at timestamptz NOT NULL,
      closed_at timestamptz,
      created_at timestamptz NOT NULL
    );
    CREATE UNIQUE INDEX workflow_digests_open ON workflow_digests (user_id, workflow_key, digest_key, step_index)
      WHERE closed_at IS NULL;
    CREATE INDEX workflow_digests_notifications ON workflow_digests USING gin (notification_ids);

    CREATE TABLE workflow_throttle_hits (
      user_id text NOT NULL,
      workflow_key text NOT NULL,
      step_index integer NOT NULL,
      throttle_key text NOT NULL,
      hit_at timestamptz NOT NULL
    );
    CREATE INDEX workflow_throttle_hits_window
      ON workflow_throttle_hits (user_id, workflow_key, step_index, throttle_key, hit_at);
    CREATE INDEX workflow_throttle_hits_age ON workflow_throttle_hits (hit_at);

    CREATE TABLE quiet_hours (
      user_id text PRIMARY KEY,
      start_minute integer NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
      end_minute integer NOT NULL CHECK (end_minute BETWEEN 0 AND 1439),
      channels text[] NOT NULL DEFAULT '{}',
      timezone text NOT NULL DEFAULT '',
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    ALTER TABLE recipients ADD COLUMN attributes jsonb;
  `);
};
