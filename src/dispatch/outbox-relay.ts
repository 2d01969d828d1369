import type { Logger } from "pino";
import type { Database } from "../store/database.js";
import { type OutboxItem, outboxStore } from "../store/outbox-store.js";

export interface OutboxRelayOptions {
  db: Database;
  /** Publishes one item to JetStream; resolves once JetStream stored it. */
  publish: (item: OutboxItem) => Promise<void>;
  logger: Logger;
  /** Rows per round. */
  batchSize?: number;
}

/**
 * Moves committed deliveries from the Postgres outbox to JetStream. A round
 * claims due rows (skipping rows another process's relay holds), publishes them
 * concurrently, and deletes the ones JetStream acknowledged, all while holding
 * the rows. Rows that did not publish (NATS down) stay for the next round; rows
 * published by a relay that then crashed are published again and dropped by
 * JetStream's duplicate window, or by the worker, which skips settled deliveries.
 */
export function createOutboxRelay(options: OutboxRelayOptions) {
  const batchSize = options.batchSize ?? 256;
  let failing = false;

  /** One round; returns how many rows it published (more than none: run again). */
  async function runOnce(): Promise<number> {
    return options.db.transaction(async (tx) => {
      const items = await outboxStore.claim(tx, batchSize);
      if (items.length === 0) return 0;
      const results = await Promise.allSettled(items.map((item) => options.publish(item)));
      const done = items.filter((_, i) => results[i]?.status === "fulfilled");
      await outboxStore.published(tx, done);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed !== undefined && !failing) {
        options.logger.warn(
          { err: failed.reason, unpublished: items.length - done.length },
          "outbox relay cannot publish; will retry",
        );
      }
      if (failed === undefined && failing) options.logger.info("outbox relay publishing again");
      failing = failed !== undefined;
      // After a failure, wait for the next interval rather than spin.
      return failed === undefined ? done.length : 0;
    });
  }

  return { runOnce };
}

export type OutboxRelay = ReturnType<typeof createOutboxRelay>;
