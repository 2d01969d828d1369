import type { Workflow } from "../domain/workflow.js";
import type { Queryable } from "./database.js";
import { candidatePatterns, workflowStore } from "./workflow-store.js";

/** Versions kept in memory per process; a version never changes once written. */
const cachedVersions = 500;

export interface WorkflowVersionsOptions {
  /**
   * How long the set of claimed category patterns is trusted without news of
   * a change: the bound on staleness when a change's broadcast is lost.
   */
  patternsTtlMs: number;
}

/**
 * Workflow lookups on the hot paths. Send asks for every notification which
 * workflow applies: the patterns workflows claim are kept in memory, so a
 * Send whose category no workflow claims (most, in most deployments) costs no
 * query; one that matches reads the current version. The set is forgotten on
 * `changed()` (this process stored or deleted a workflow; the composition root
 * also calls it when another process says so) and after `patternsTtlMs`. A
 * run's version is cached, since a stored version never changes.
 */
export function createWorkflowVersions(db: Queryable, options: WorkflowVersionsOptions) {
  const versions = new Map<string, Workflow>();
  let patterns: { set: Set<string>; loadedAt: number } | null = null;
  // Bumped by changed(): a load that started before a change must not be kept.
  let generation = 0;

  async function claimed(): Promise<Set<string>> {
    if (patterns !== null && Date.now() - patterns.loadedAt < options.patternsTtlMs) return patterns.set;
    const started = generation;
    const loadedAt = Date.now();
    const set = new Set(await workflowStore.patterns(db));
    if (started === generation) patterns = { set, loadedAt };
    return set;
  }

  return {
    /** The workflow a Send runs: the one named, else the one whose patterns match; null for none. */
    async forSend(name: string, category: string): Promise<Workflow | null> {
      if (name === "") {
        const known = await claimed();
        if (!candidatePatterns(category).some((p) => known.has(p))) return null;
      }
      return workflowStore.forSend(db, { key: name, category });
    },
    /** A stored version (cached); read on `q` when not (a firing transaction passes its own). */
    async version(key: string, version: number, q: Queryable = db): Promise<Workflow | null> {
      const id = `${key}@${version}`;
      const known = versions.get(id);
      if (known !== undefined) return known;
      const workflow = await workflowStore.get(q, key, version);
      if (workflow === null) return null;
      if (versions.size >= cachedVersions) versions.delete(versions.keys().next().value as string);
      versions.set(id, workflow);
      return workflow;
    },
    /** Forgets the claimed patterns: a workflow changed. */
    changed(): void {
      generation += 1;
      patterns = null;
    },
  };
}
