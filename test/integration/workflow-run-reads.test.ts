import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { defaultTenant } from "../../src/domain/tenant.js";
import { workflowRunReads } from "../../src/store/workflow-run-reads.js";
import { useMigratedDatabase } from "../helpers/migrated-database.js";

// The reads GetNotification makes of workflows: a notification's runs, and the
// digest it was collected into (found through the GIN index on its ids).
const database = useMigratedDatabase();

const notification = async () => {
  const id = randomUUID();
  await database.db.exec(
    `INSERT INTO notifications (tenant_id, id, user_id, seq, category, title, body, priority, send_at)
     VALUES ('default', $1, 'u', NULL, 'c', 't', 'b', 'normal', now())`,
    [id],
  );
  return id;
};

const run = async (notificationId: string, status: string, createdAt: string) => {
  const id = randomUUID();
  await database.db.exec(
    `INSERT INTO workflow_runs (tenant_id, id, workflow_key, workflow_version, notification_id, user_id, status, steps,
       created_at)
     VALUES ('default', $1, 'digesting', 1, $2, 'u', $3, '[]'::jsonb, $4)`,
    [id, notificationId, status, createdAt],
  );
  return id;
};

it("finds a notification's runs, oldest first, and the digest that holds it", async () => {
  const [first, second, alone] = [await notification(), await notification(), await notification()];
  const owner = await run(first, "waiting", "2026-01-01T00:00:00Z");
  const joined = await run(second, "digested", "2026-01-01T00:00:05Z");
  const later = await run(second, "completed", "2026-01-01T00:00:09Z");
  const digestId = randomUUID();
  await database.db.exec(
    `INSERT INTO workflow_digests (tenant_id, id, user_id, workflow_key, digest_key, step_index, owner_run_id,
       notification_ids, max_count, closes_at, created_at)
     VALUES ('default', $1, 'u', 'digesting', 'c', 0, $2, $3::uuid[], 10, now() + interval '1 hour', now())`,
    [digestId, owner, [first, second]],
  );

  expect((await workflowRunReads.ofNotification(database.db, defaultTenant, second)).map((r) => r.id)).toEqual([
    joined,
    later,
  ]);
  expect(await workflowRunReads.ofNotification(database.db, defaultTenant, alone)).toEqual([]);

  const link = { digestId, notificationId: first, notificationIds: [first, second], closed: false };
  expect(await workflowRunReads.digestOf(database.db, defaultTenant, second)).toEqual(link);
  expect(await workflowRunReads.digestOf(database.db, defaultTenant, first)).toEqual(link);
  expect(await workflowRunReads.digestOf(database.db, defaultTenant, alone)).toBeNull();

  await database.db.exec("UPDATE workflow_digests SET closed_at = now() WHERE id = $1", [digestId]);
  expect(await workflowRunReads.digestOf(database.db, defaultTenant, second)).toMatchObject({ closed: true });
});
