import type { Logger } from "pino";
import type { Database } from "../store/database.js";
import { type OutboxItem, type OutboxQueue, outboxStore } from "../store/outbox-store.js";

export interface OutboxRelayOptions {
  db: Database;
  /** Publishes one item to JetStream; resolves once JetStream stored it. */
  publish: (item: OutboxItem) => Promise<void>;
  /**
   * How many more messages each of these lanes (`channel.lane`, see
   * {@link laneKey}) may be given now: its cap less what waits on JetStream
   * for a worker. Null when there is no cap. A throw counts as null: when
   * JetStream cannot answer, publishing fails anyway and the rows stay.
   */
  laneRoom: (keys: readonly string[]) => Promise<Map<string, number> | null>;
  logger: Logger;
  /** Rows per lane per round. */
  batchSize?: number;
  /** Queues (channel, lane, tenant) looked at per round; the next round goes on from where it stopped. */
  queuesPerRound?: number;
  /** Pause before the next round when every lane with due rows was full. */
  fullLanePauseMs?: number;
}

/** The key of a channel's lane in {@link OutboxRelayOptions.laneRoom}. */
export const laneKey = (q: { channel: string; lane: string }) => `${q.channel}.${q.lane}`;

/**
 * Moves committed deliveries from the Postgres outbox to JetStream, fairly. A
 * round finds the queues with due rows (one per channel, lane and tenant),
 * asks how much room each lane has on JetStream, splits each lane's room
 * evenly between its tenants ({@link planTakes}), claims those rows (skipping
 * rows another process's relay holds), publishes them concurrently, and
 * deletes the ones JetStream acknowledged, all while holding the rows.
 *
 * Why the room: JetStream hands a lane's messages to workers in the order
 * they were published, so whatever is published is a line that everyone after
 * it waits behind. Keeping each lane's line short (DISPATCH_LANE_BACKLOG) and
 * the rest in Postgres, where the relay takes tenants in turn, is what keeps
 * one tenant's million-email broadcast from delaying another tenant's email by
 * more than the time the short line takes to drain.
 *
 * Rows that did not publish (NATS down) stay for the next round; rows
 * published by a relay that then crashed are published again and dropped by
 * JetStream's duplicate window, or by the worker, which skips settled deliveries.
 */
export function createOutboxRelay(options: OutboxRelayOptions) {
  const batchSize = options.batchSize ?? 256;
  const queuesPerRound = options.queuesPerRound ?? 256;
  const fullLanePauseMs = options.fullLanePauseMs ?? 50;
  let failing = false;
  let resumeAfter: OutboxQueue | null = null;
  let turn = 0;

  const roomOf = async (keys: string[]) => {
    try {
      return await options.laneRoom(keys);
    } catch {
      return null;
    }
  };

  /** One round; returns whether there is more to do right away. */
  async function runOnce(): Promise<boolean> {
    const round = await options.db.transaction(async (tx) => {
      const { due, stoppedAt } = await outboxStore.dueQueues(tx, resumeAfter, queuesPerRound);
      resumeAfter = stoppedAt;
      if (due.length === 0) return { published: 0, full: false, more: stoppedAt !== null };
      const room = await roomOf([...new Set(due.map(laneKey))]);
      const plan = planTakes(due, room, batchSize, turn++);
      const items = await outboxStore.claim(tx, plan.takes);
      if (items.length === 0) return { published: 0, full: plan.full, more: stoppedAt !== null };
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
      return failed === undefined
        ? { published: done.length, full: plan.full, more: true }
        : { published: 0, full: false, more: false };
    });
    if (round.published > 0 || round.more) return true;
    if (!round.full) return false;
    // Workers are draining a full lane: look again soon, not at the next interval.
    await new Promise((r) => setTimeout(r, fullLanePauseMs));
    return true;
  }

  return { runOnce };
}

export type OutboxRelay = ReturnType<typeof createOutboxRelay>;

/**
 * How many rows to take from each queue this round: each lane's room (at most
 * `batchSize`; `batchSize` when `room` is null) split evenly between the
 * lane's tenants, the remainder (or, with more tenants than room, the single
 * rows) going to tenants in turn from `turn`, so no tenant is always last.
 * `full` tells that some lane with due rows had no room at all.
 */
export function planTakes(
  due: readonly OutboxQueue[],
  room: ReadonlyMap<string, number> | null,
  batchSize: number,
  turn: number,
): { takes: Array<OutboxQueue & { take: number }>; full: boolean } {
  const byLane = new Map<string, OutboxQueue[]>();
  for (const q of due) {
    const key = laneKey(q);
    const list = byLane.get(key);
    if (list === undefined) byLane.set(key, [q]);
    else list.push(q);
  }
  const takes: Array<OutboxQueue & { take: number }> = [];
  let full = false;
  for (const [key, queues] of byLane) {
    const rows = Math.min(batchSize, room === null ? batchSize : (room.get(key) ?? batchSize));
    if (rows <= 0) {
      full = true;
      continue;
    }
    const n = queues.length;
    const each = Math.floor(rows / n);
    const extra = rows % n;
    for (let i = 0; i < n; i++) {
      // Counted from this round's first tenant, which moves on each round.
      const position = (i - (turn % n) + n) % n;
      const take = each + (position < extra ? 1 : 0);
      if (take > 0) takes.push({ ...(queues[i] as OutboxQueue), take });
    }
  }
  return { takes, full };
}
