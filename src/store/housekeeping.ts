import type { Queryable } from "./database.js";
import { idempotencyStore } from "./idempotency-store.js";

/** Background pruning of what the store keeps only for a while (idempotency keys), as scheduler tasks. */
export function housekeepingTasks(db: Queryable) {
  return [
    {
      name: "prune-idempotency-keys",
      everyMs: 3_600_000,
      run: async () => (await idempotencyStore.prune(db)) > 0,
    },
  ];
}
