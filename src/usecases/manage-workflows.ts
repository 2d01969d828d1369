import type { Channel } from "../domain/channel.js";
import { NotFoundError } from "../domain/errors.js";
import type { Principal } from "../domain/principal.js";
import type { Workflow, WorkflowDefinition, WorkflowRun } from "../domain/workflow.js";
import type { Database } from "../store/database.js";
import { type RunFilter, runCursorPattern, workflowRunReads } from "../store/workflow-run-reads.js";
import { workflowStore } from "../store/workflow-store.js";
import { validateWorkflow } from "../workflows/validate-workflow.js";
import { requireScope } from "./access.js";
import { decodePagePosition, encodePageToken } from "./page-token.js";

/** What WorkflowService is built from. */
export interface ManageWorkflowsDeps {
  db: Database;
  /** The channels this server offers: a deliver step may name only these. */
  channels: readonly Channel[];
  /** Most workflows at once (WORKFLOW_MAX_COUNT). */
  maxCount: number;
  /** Compiles a condition's CEL; throws InvalidArgumentError naming `field`. */
  checkCondition: (expression: string, field: string) => void;
  /** Cancels the tenant's runs in progress sent with this key (for these users, or all); resolves with how many. */
  cancelRuns: (tenantId: string, cancellationKey: string, userIds: string[]) => Promise<number>;
  /** Called after a workflow of this tenant was stored or deleted (Send's lookups forget what they cached). */
  onChanged?: (tenantId: string) => void;
}

/** ListWorkflowRuns' page size when the caller asks for 0 (the contract's default). */
const defaultPageSize = 50;

/**
 * WorkflowService: operators' workflows (checked before they are stored, every
 * version kept) and a read of their runs. Reads need the `read` scope (so a
 * support engineer's console shows them), changes and cancels `admin`.
 * Everything is in the caller's tenant: another tenant's workflows and runs
 * answer as unknown ones do (NOT_FOUND, or not listed).
 */
export function createManageWorkflows(deps: ManageWorkflowsDeps) {
  const admin = (principal: Principal) => requireScope(principal, "admin", "manage workflows");
  const reader = (principal: Principal) => requireScope(principal, "read", "read workflows");
  return {
    /** Checks and stores a workflow; an unchanged one keeps its version. */
    async upsert(principal: Principal, def: WorkflowDefinition): Promise<Workflow> {
      admin(principal);
      validateWorkflow(def, { channels: deps.channels, checkCondition: deps.checkCondition });
      const stored = await deps.db.transaction((tx) =>
        workflowStore.upsert(tx, principal.tenantId, def, { maxCount: deps.maxCount }),
      );
      deps.onChanged?.(principal.tenantId);
      return stored;
    },

    /** The current version, or `version` when above 0 (also of a deleted workflow). */
    async get(principal: Principal, key: string, version: number): Promise<Workflow> {
      reader(principal);
      const found = await workflowStore.get(deps.db, principal.tenantId, key, version);
      if (found === null) {
        throw new NotFoundError(version > 0 ? `no version ${version} of workflow "${key}"` : `no workflow "${key}"`);
      }
      return found;
    },

    async list(principal: Principal): Promise<Workflow[]> {
      reader(principal);
      return workflowStore.list(deps.db, principal.tenantId);
    },

    /** Soft delete; NOT_FOUND for a key that does not exist or is already deleted. */
    async delete(principal: Principal, key: string): Promise<void> {
      admin(principal);
      if (!(await deps.db.transaction((tx) => workflowStore.delete(tx, principal.tenantId, key)))) {
        throw new NotFoundError(`no workflow "${key}"`);
      }
      deps.onChanged?.(principal.tenantId);
    },

    /** One page of runs, newest first; `pageToken` must come from the same filters. */
    async listRuns(
      principal: Principal,
      filter: RunFilter,
      pageSize: number,
      pageToken: string,
    ): Promise<{ runs: WorkflowRun[]; nextPageToken: string }> {
      reader(principal);
      // The position is a run cursor: its time to the microsecond, and its id.
      const after =
        pageToken === "" ? null : decodePagePosition(pageToken, filter, runCursorPattern, "ListWorkflowRuns");
      const size = pageSize === 0 ? defaultPageSize : pageSize;
      const page = await workflowRunReads.list(deps.db, principal.tenantId, filter, size, after);
      return { runs: page.runs, nextPageToken: page.next === null ? "" : encodePageToken(page.next, filter) };
    },

    async getRun(principal: Principal, id: string): Promise<WorkflowRun> {
      reader(principal);
      const run = await workflowRunReads.get(deps.db, principal.tenantId, id);
      if (run === null) throw new NotFoundError(`no workflow run ${id}`);
      return run;
    },

    /** Cancels the runs in progress sent with `cancellationKey`; resolves with how many. */
    async cancel(principal: Principal, cancellationKey: string, userIds: string[]): Promise<number> {
      admin(principal);
      return deps.cancelRuns(principal.tenantId, cancellationKey, userIds);
    },
  };
}

export type ManageWorkflows = ReturnType<typeof createManageWorkflows>;
