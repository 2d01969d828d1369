import type { Migration } from "../migrator.js";

/**
 * Webhook endpoints receive every event type they subscribe to, from the
 * event log (dispatch/webhook-event-relay.ts):
 * - `deliveries.event_seq`: the event a webhook delivery carries (0: a
 *   notification's own delivery, as before). The unique index that kept one
 *   delivery per (notification, channel, target) now has it as a fourth
 *   column, so an endpoint may receive several events about one notification,
 *   each once: (notification, webhook, endpoint, seq) is the relay's
 *   idempotency key. Same name, same leading columns: reads by notification
 *   keep their plan.
 * - `webhook_event_cursor`: the last seq the relay handled, advanced in the
 *   transaction that writes the deliveries (so a crash loses and repeats
 *   nothing); its row lock (FOR UPDATE SKIP LOCKED) makes the relay one at a
 *   time cluster-wide. Starts at the log's head: an upgrade does not post the
 *   log's history. Retention keeps every event above it.
 * - `workflow.step_skipped`: a trigger on `workflow_runs`, like the other
 *   event writers, logs each step whose state became `skipped`, with the
 *   workflow's key, the step (index and kind) and the reason.
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    ALTER TABLE deliveries ADD COLUMN event_seq bigint NOT NULL DEFAULT 0;
    ALTER TABLE deliveries DROP CONSTRAINT deliveries_notification_channel_target;
    CREATE UNIQUE INDEX deliveries_notification_channel_target
      ON deliveries (notification_id, channel, target, event_seq);

    CREATE TABLE webhook_event_cursor (
      one boolean PRIMARY KEY DEFAULT true CHECK (one),
      seq bigint NOT NULL
    );
    INSERT INTO webhook_event_cursor (seq) SELECT seq FROM event_log_head;

    CREATE FUNCTION herald_events_workflow_steps() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      INSERT INTO events (tenant_id, type, user_id, notification_id, notification_ids, detail)
      SELECT n.tenant_id, 'workflow.step_skipped', n.user_id, n.notification_id, ARRAY[n.notification_id],
             jsonb_build_object('workflowKey', n.workflow_key, 'runId', n.id, 'step', s.i - 1,
               'stepKind', s.step ->> 'kind', 'reason', coalesce(s.step ->> 'reason', ''))
      FROM new_rows n JOIN old_rows o ON o.id = n.id
      CROSS JOIN LATERAL jsonb_array_elements(n.steps) WITH ORDINALITY AS s(step, i)
      WHERE s.step ->> 'state' = 'skipped'
        AND coalesce(o.steps -> (s.i::integer - 1) ->> 'state', '') <> 'skipped'
      ORDER BY n.id, s.i;
      RETURN NULL;
    END $fn$;
    CREATE TRIGGER events_workflow_steps AFTER UPDATE ON workflow_runs
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION herald_events_workflow_steps();
  `);
};

export const down: Migration = async ({ context: db }) => {
  await db.query(`
    DROP TRIGGER events_workflow_steps ON workflow_runs;
    DROP FUNCTION herald_events_workflow_steps();
    DROP TABLE webhook_event_cursor;
    DELETE FROM deliveries WHERE event_seq <> 0;
    DROP INDEX deliveries_notification_channel_target;
    ALTER TABLE deliveries ADD CONSTRAINT deliveries_notification_channel_target
      UNIQUE (notification_id, channel, target);
    ALTER TABLE deliveries DROP COLUMN event_seq;
  `);
};
