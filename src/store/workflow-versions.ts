import type { Workflow } from "../domain/workflow.js";
import type { Queryable } from "./database.js";
import { workflowStore } from "./workflow-store.js";

/** Versions kept in memory per process; a version never changes once written. */
const cachedVersions = 500;

/**
 * Workflow lookups on the hot paths: Send's (by name or category) reads the
 * database each time, since a workflow may change at any moment; a run's
 * version is cached, since a stored version never changes.
 */
export function createWorkflowVersions(db: Queryable) {
  const versions = new Map<string, Workflow>();
  return {
    forSend: (name: string, category: string) => workflowStore.forSend(db, { key: name, category }),
    async version(key: string, version: number): Promise<Workflow | null> {
      const id = `${key}@${version}`;
      const known = versions.get(id);
      if (known !== undefined) return known;
      const workflow = await workflowStore.get(db, key, version);
      if (workflow === null) return null;
      if (versions.size >= cachedVersions) versions.delete(versions.keys().next().value as string);
      versions.set(id, workflow);
      return workflow;
    },
  };
}
