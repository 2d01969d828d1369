import type { Queryable } from "./database.js";
import { fanoutStore } from "./fanout-store.js";
import { idempotencyStore } from "./idempotency-store.js";
import { topicMemberStore } from "./topic-member-store.js";

/** Removed topic memberships pruned per round: a short statement, repeated while there are more. */
const removalsPerRound = 10_000;

/**
 * Background pruning of what the store keeps only for a while (idempotency
 * keys; topic memberships removed more than `topicRemovalsRetentionHours` ago,
 * kept until then for fan-outs started before their removal; fan-outs that
 * ended more than `fanoutRetentionDays` ago, with their chunks), as scheduler
 * tasks. A task that pruned something runs again at once.
 */
export function housekeepingTasks(
  db: Queryable,
  settings: { topicRemovalsRetentionHours: number; fanoutRetentionDays: number },
) {
  return [
    {
      name: "prune-idempotency-keys",
      everyMs: 3_600_000,
      run: async () => (await idempotencyStore.prune(db)) > 0,
    },
    {
      name: "prune-topic-removals",
      everyMs: 600_000,
      run: async () => {
        const before = new Date(Date.now() - settings.topicRemovalsRetentionHours * 3_600_000);
        return (await topicMemberStore.pruneRemovals(db, before, removalsPerRound)) === removalsPerRound;
      },
    },
    {
      name: "prune-fanouts",
      everyMs: 3_600_000,
      run: async () => {
        const before = new Date(Date.now() - settings.fanoutRetentionDays * 86_400_000);
        return (await fanoutStore.prune(db, before, 100)) === 100;
      },
    },
  ];
}
