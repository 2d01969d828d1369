import type { Migration } from "../migrator.js";

/**
 * The outbox remembers the trace a delivery was queued in (W3C traceparent and
 * tracestate), so the relay's JetStream publish, which runs later and elsewhere,
 * continues the Send's trace.
 */
export const up: Migration = async ({ context: db }) => {
  await db.query("ALTER TABLE outbox ADD COLUMN trace_context jsonb");
};

export const down: Migration = async ({ context: db }) => {
  await db.query("ALTER TABLE outbox DROP COLUMN trace_context");
};
