import type { Workflow } from "../domain/workflow.js";
import type { Queryable } from "./database.js";
import { candidatePatterns, workflowStore } from "./workflow-store.js";

/** Versions kept in memory per process; a version never changes once written. */
const cachedVersions = 500;
/** Tenants whose claimed patterns are kept in memory at once; the oldest loaded is forgotten first. */
const cachedTenants = 1000;

export interface WorkflowVersionsOptions {
  /**
   * How long the set of claimed category patterns is trusted without news of
   * a change: the bound on staleness when a change's broadcast is lost.
   */
  patternsTtlMs: number;
}

/**
 * Workflow lookups on the hot paths. Send asks for every notification which
 * workflow applies: the patterns each tenant's workflows claim are kept in
 * memory, so a Send whose category no workflow of its tenant claims (most, in
 * most deployments) costs no query; one that matches reads the current
 * version. A tenant's set is forgotten on `changed(tenantId)` (this process
 * stored or deleted a workflow of that tenant; the composition root also
 * calls it when another process says so; without a tenant every set is
 * forgotten) and after `patternsTtlMs`. A run's version is cached, since a
 * stored version never changes. Everything is keyed by tenant: the same
 * workflow key in two tenants is two workflows.
 */
export function createWorkflowVersions(db: Queryable, options: WorkflowVersionsOptions) {
  const versions = new Map<string, Workflow>();
  const patterns = new Map<string, { set: Set<string>; loadedAt: number }>();
  // Bumped by changed(), per tenant: a load that started before a change must not be kept.
  const generations = new Map<string, number>();
  let everything = 0;
  const generationOf = (tenantId: string) => `${everything}:${generations.get(tenantId) ?? 0}`;

  async function claimed(tenantId: string): Promise<Set<string>> {
    const known = patterns.get(tenantId);
    if (known !== undefined && Date.now() - known.loadedAt < options.patternsTtlMs) return known.set;
    const started = generationOf(tenantId);
    const loadedAt = Date.now();
    const set = new Set(await workflowStore.patterns(db, tenantId));
    if (started === generationOf(tenantId)) {
      patterns.delete(tenantId);
      if (patterns.size >= cachedTenants) patterns.delete(patterns.keys().next().value as string);
      patterns.set(tenantId, { set, loadedAt });
    }
    return set;
  }

  return {
    /** The workflow a Send of this tenant runs: the one named, else the one whose patterns match; null for none. */
    async forSend(tenantId: string, name: string, category: string): Promise<Workflow | null> {
      if (name === "") {
        const known = await claimed(tenantId);
        if (!candidatePatterns(category).some((p) => known.has(p))) return null;
      }
      return workflowStore.forSend(db, tenantId, { key: name, category });
    },
    /** A stored version (cached); read on `q` when not (a firing transaction passes its own). */
    async version(tenantId: string, key: string, version: number, q: Queryable = db): Promise<Workflow | null> {
      const id = `${tenantId}/${key}@${version}`;
      const known = versions.get(id);
      if (known !== undefined) return known;
      const workflow = await workflowStore.get(q, tenantId, key, version);
      if (workflow === null) return null;
      if (versions.size >= cachedVersions) versions.delete(versions.keys().next().value as string);
      versions.set(id, workflow);
      return workflow;
    },
    /** Forgets the claimed patterns of a tenant whose workflow changed; of every tenant without one. */
    changed(tenantId?: string): void {
      if (tenantId === undefined || tenantId === "") {
        everything += 1;
        patterns.clear();
        generations.clear();
        return;
      }
      generations.set(tenantId, (generations.get(tenantId) ?? 0) + 1);
      patterns.delete(tenantId);
    },
  };
}

/**
 * The "workflows.changed" broadcast names the tenant whose workflows changed,
 * as `tenant:<id>`; any other text (older processes send "changed") means
 * every tenant.
 */
export const workflowsChangedText = (tenantId: string): string => `tenant:${tenantId}`;

/** The tenant a "workflows.changed" broadcast names; undefined for every tenant. */
export function tenantOfWorkflowsChanged(text: string): string | undefined {
  return text.startsWith("tenant:") ? text.slice("tenant:".length) : undefined;
}
