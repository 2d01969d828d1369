import { InvalidArgumentError, ResourceExhaustedError } from "../domain/errors.js";
import type { Workflow, WorkflowDefinition } from "../domain/workflow.js";
import type { Queryable } from "./database.js";

/**
 * A category pattern of an upserted workflow already belongs to another one.
 * INVALID_ARGUMENT (not ALREADY_EXISTS), as UpsertWorkflow's contract lists it
 * with the other bad workflows: the request is wrong as written and fixing it
 * means changing `workflow.categories[index]`, not retrying.
 */
export class PatternClaimedError extends InvalidArgumentError {
  constructor(
    readonly pattern: string,
    readonly owner: string,
    index: number,
  ) {
    super(`workflow.categories[${index}]`, `"${pattern}" is already claimed by workflow "${owner}"`);
  }
}

/** What `workflow_versions.definition` holds: the domain definition without its key (the row's). */
type StoredDefinition = Omit<WorkflowDefinition, "key">;

interface VersionRow {
  key: string;
  version: number;
  definition: StoredDefinition;
  created_at: Date;
}

const toWorkflow = (r: VersionRow): Workflow => ({
  key: r.key,
  description: r.definition.description,
  categories: r.definition.categories,
  steps: r.definition.steps,
  sendWindow: r.definition.sendWindow,
  version: r.version,
  updatedAt: r.created_at,
});

const stored = (d: WorkflowDefinition): string =>
  JSON.stringify({
    description: d.description,
    categories: d.categories,
    steps: d.steps,
    sendWindow: d.sendWindow,
  } satisfies StoredDefinition);

/** The largest `workflow_versions.version` (a Postgres integer). */
const maxVersion = 2_147_483_647;

const columns = "v.key, v.version, v.definition, v.created_at";
/** The current, not deleted, version of each workflow. */
const current = `workflows w JOIN workflow_versions v
  ON v.tenant_id = w.tenant_id AND v.key = w.key AND v.version = w.version
  WHERE w.deleted_at IS NULL`;

/**
 * Serialises every writer of a tenant's workflows until the transaction ends.
 * Upserts and deletes are rare operator calls, so one lock per tenant costs
 * nothing and keeps WORKFLOW_MAX_COUNT exact and each key's check-then-write
 * atomic (patterns and the count are per tenant, so tenants need not wait
 * for each other).
 */
async function lockWorkflows(tx: Queryable, tenantId: string): Promise<void> {
  await tx.rows("SELECT pg_advisory_xact_lock(hashtext('herald.workflows:' || $1))", [tenantId]);
}

/**
 * The patterns a Send's category may match, most specific first: the category
 * itself, then each prefix pattern from the longest (`a.b.*`) to the shortest
 * (`a.*`), as `patternMatches` defines them.
 */
export function candidatePatterns(category: string): string[] {
  const parts = category.split(".");
  const prefixes = parts.slice(0, -1).map((_, i) => `${parts.slice(0, i + 1).join(".")}.*`);
  return [category, ...prefixes.reverse()];
}

/** Fails with PatternClaimedError when another workflow owns one of `categories`. */
async function checkPatterns(
  tx: Queryable,
  tenantId: string,
  key: string,
  categories: readonly string[],
): Promise<void> {
  if (categories.length === 0) return;
  const [taken] = await tx.rows<{ pattern: string; workflow_key: string }>(
    `SELECT pattern, workflow_key FROM workflow_patterns
     WHERE tenant_id = $3 AND pattern = ANY($1::text[]) AND workflow_key <> $2
     ORDER BY array_position($1::text[], pattern) LIMIT 1`,
    [categories, key, tenantId],
  );
  if (taken !== undefined) {
    throw new PatternClaimedError(taken.pattern, taken.workflow_key, categories.indexOf(taken.pattern));
  }
}

async function replacePatterns(
  tx: Queryable,
  tenantId: string,
  key: string,
  categories: readonly string[],
): Promise<void> {
  await tx.exec("DELETE FROM workflow_patterns WHERE tenant_id = $1 AND workflow_key = $2", [tenantId, key]);
  await tx.exec(
    `INSERT INTO workflow_patterns (tenant_id, pattern, workflow_key)
     SELECT $3, p, $2 FROM unnest($1::text[]) AS p`,
    [categories, key, tenantId],
  );
}

/**
 * Workflows, every version kept; the only writer of `workflows`,
 * `workflow_versions` and `workflow_patterns`. Writers take a transaction.
 * Everything is per tenant: keys, versions, claimed patterns and the count.
 */
export const workflowStore = {
  /**
   * Stores `def` as the key's current version and returns it. A definition equal
   * to the current one keeps that version; anything else (a change, or a
   * deleted key coming back) makes version + 1 and claims its patterns.
   * `tx` must be a transaction. Fails with PatternClaimedError, or with
   * ResourceExhaustedError when a new workflow would pass `maxCount`.
   */
  async upsert(
    tx: Queryable,
    tenantId: string,
    def: WorkflowDefinition,
    limits: { maxCount: number },
  ): Promise<Workflow> {
    await lockWorkflows(tx, tenantId);
    const definition = stored(def);
    const [cur] = await tx.rows<{ version: number; deleted: boolean; same: boolean }>(
      `SELECT w.version, w.deleted_at IS NOT NULL AS deleted, v.definition = $2::jsonb AS same
       FROM workflows w JOIN workflow_versions v ON v.tenant_id = w.tenant_id AND v.key = w.key AND v.version = w.version
       WHERE w.tenant_id = $3 AND w.key = $1`,
      [def.key, definition, tenantId],
    );
    if (cur !== undefined && !cur.deleted && cur.same) {
      return (await workflowStore.get(tx, tenantId, def.key)) as Workflow;
    }
    if (cur === undefined || cur.deleted) await checkCount(tx, tenantId, limits.maxCount);
    await checkPatterns(tx, tenantId, def.key, def.categories);
    const version = (cur?.version ?? 0) + 1;
    await tx.exec(
      `INSERT INTO workflows (tenant_id, key, version) VALUES ($3, $1, $2)
       ON CONFLICT (tenant_id, key) DO UPDATE SET version = EXCLUDED.version, deleted_at = NULL, updated_at = now()`,
      [def.key, version, tenantId],
    );
    const [row] = await tx.rows<VersionRow>(
      `INSERT INTO workflow_versions AS v (tenant_id, key, version, definition) VALUES ($4, $1, $2, $3::jsonb)
       RETURNING ${columns}`,
      [def.key, version, definition, tenantId],
    );
    await replacePatterns(tx, tenantId, def.key, def.categories);
    return toWorkflow(row as VersionRow);
  },

  /**
   * The key's current version or, with `version` above 0, that version (also of
   * a deleted workflow: runs and operators still read it). Null when none.
   */
  async get(q: Queryable, tenantId: string, key: string, version = 0): Promise<Workflow | null> {
    // The contract's version is a uint32, the column an integer: no version is that large.
    if (version > maxVersion) return null;
    const [row] =
      version > 0
        ? await q.rows<VersionRow>(
            `SELECT ${columns} FROM workflow_versions v WHERE v.tenant_id = $3 AND v.key = $1 AND v.version = $2`,
            [key, version, tenantId],
          )
        : await q.rows<VersionRow>(`SELECT ${columns} FROM ${current} AND w.tenant_id = $2 AND w.key = $1`, [
            key,
            tenantId,
          ]);
    return row === undefined ? null : toWorkflow(row);
  },

  /** Every workflow's current version, by key; deleted ones left out. */
  async list(q: Queryable, tenantId: string): Promise<Workflow[]> {
    const rows = await q.rows<VersionRow>(`SELECT ${columns} FROM ${current} AND w.tenant_id = $1 ORDER BY w.key`, [
      tenantId,
    ]);
    return rows.map(toWorkflow);
  },

  /**
   * Soft-deletes a workflow: Sends no longer find it and its patterns are free,
   * while its versions stay for the runs that reference them. `tx` must be a
   * transaction. False when there was no such workflow (or it was deleted).
   */
  async delete(tx: Queryable, tenantId: string, key: string): Promise<boolean> {
    await lockWorkflows(tx, tenantId);
    const n = await tx.exec(
      `UPDATE workflows SET deleted_at = now(), updated_at = now()
       WHERE tenant_id = $1 AND key = $2 AND deleted_at IS NULL`,
      [tenantId, key],
    );
    if (n === 0) return false;
    await tx.exec("DELETE FROM workflow_patterns WHERE tenant_id = $1 AND workflow_key = $2", [tenantId, key]);
    return true;
  },

  /** Every category pattern some workflow of the tenant claims (deleted workflows claim none). */
  async patterns(q: Queryable, tenantId: string): Promise<string[]> {
    const rows = await q.rows<{ pattern: string }>("SELECT pattern FROM workflow_patterns WHERE tenant_id = $1", [
      tenantId,
    ]);
    return rows.map((r) => r.pattern);
  },

  /**
   * The workflow a Send runs: the tenant's current version named by `key` or,
   * with key "", the one whose pattern matches `category` most specifically
   * (exact, then the longest prefix). Null when none. One statement on the
   * patterns' primary key: this is on the Send path.
   */
  async forSend(q: Queryable, tenantId: string, send: { key: string; category: string }): Promise<Workflow | null> {
    if (send.key !== "") return workflowStore.get(q, tenantId, send.key);
    const candidates = candidatePatterns(send.category);
    // Candidates are ordered most specific first, so their position is the precedence.
    const [row] = await q.rows<VersionRow>(
      `SELECT ${columns} FROM workflow_patterns p
       JOIN workflows w ON w.tenant_id = p.tenant_id AND w.key = p.workflow_key
       JOIN workflow_versions v ON v.tenant_id = w.tenant_id AND v.key = w.key AND v.version = w.version
       WHERE p.tenant_id = $2 AND p.pattern = ANY($1::text[]) AND w.deleted_at IS NULL
       ORDER BY array_position($1::text[], p.pattern) LIMIT 1`,
      [candidates, tenantId],
    );
    return row === undefined ? null : toWorkflow(row);
  },
};

/** WORKFLOW_MAX_COUNT bounds each tenant's workflows (one tenant's many do not block another's). */
async function checkCount(tx: Queryable, tenantId: string, maxCount: number): Promise<void> {
  const [row] = await tx.rows<{ n: number }>(
    "SELECT count(*)::int AS n FROM workflows WHERE tenant_id = $1 AND deleted_at IS NULL",
    [tenantId],
  );
  if ((row?.n ?? 0) >= maxCount) {
    throw new ResourceExhaustedError(
      `this tenant has already ${maxCount} workflows (WORKFLOW_MAX_COUNT); delete one or raise the limit`,
    );
  }
}

export type WorkflowStore = typeof workflowStore;
