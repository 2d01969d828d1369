import type { Logger } from "pino";
import { ResourceExhaustedError } from "../domain/errors.js";
import type { Broadcast } from "../messaging/broadcast.js";
import type { Database } from "../store/database.js";
import { eventLog } from "../store/event-log.js";

export interface EventStreamOptions {
  db: Database;
  /** Tells every process that the log's head moved (core NATS; best effort). */
  headMoved: Broadcast;
  /** Pause between sequencer rounds that found nothing to number. */
  sequencerIntervalMs: number;
  /** Most events numbered per sequencer round (one transaction). */
  sequencerBatch: number;
  /** How often this process reads the head itself while it has streams, in case a NATS message was lost. */
  pollMs: number;
  retentionDays: number;
  /** Most WatchEvents streams of one tenant open in this process. */
  maxStreamsPerTenant: number;
  logger: Logger;
}

/** What a WatchEvents stream needs from the wing: admission and wake-ups. */
export interface EventWake {
  /** Admits one more stream of `tenantId` (ResourceExhaustedError beyond the limit); returns its release. */
  admit(tenantId: string): () => void;
  /** Calls `onMoved` whenever the head may have moved; returns the unsubscribe. */
  listen(onMoved: () => void): () => void;
}

/**
 * The event log's wing: the sequencer (a scheduler task every process runs;
 * one at a time numbers, see store/event-log.ts), the wake-ups that tell open
 * WatchEvents streams there is more to read (the sequencer's NATS message,
 * and a head read of this process's own every `pollMs` while it has streams,
 * so a lost message costs at most that), the per-tenant stream limit, and
 * retention.
 */
export function createEventStream(options: EventStreamOptions) {
  const listeners = new Set<() => void>();
  const open = new Map<string, number>();
  let knownHead = -1;
  const wakeAll = () => {
    for (const listener of listeners) listener();
  };
  const moved = (head: number) => {
    if (head <= knownHead) return;
    knownHead = head;
    wakeAll();
  };
  options.headMoved.listen((text) => moved(Number(text)));
  let poll: NodeJS.Timeout | null = null;
  const startPolling = () => {
    poll ??= setInterval(() => {
      eventLog.head(options.db).then(
        (h) => moved(h.seq),
        (err: unknown) => options.logger.warn({ err }, "event log head read failed"),
      );
    }, options.pollMs);
  };

  const wake: EventWake = {
    admit(tenantId) {
      const count = open.get(tenantId) ?? 0;
      if (count >= options.maxStreamsPerTenant) {
        throw new ResourceExhaustedError(
          `this tenant already has ${options.maxStreamsPerTenant} WatchEvents streams open on this server (EVENT_MAX_STREAMS_PER_TENANT); close one first`,
        );
      }
      open.set(tenantId, count + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (open.get(tenantId) ?? 1) - 1;
        if (left === 0) open.delete(tenantId);
        else open.set(tenantId, left);
      };
    },
    listen(onMoved) {
      listeners.add(onMoved);
      startPolling();
      return () => {
        listeners.delete(onMoved);
        if (listeners.size === 0 && poll !== null) {
          clearInterval(poll);
          poll = null;
        }
      };
    },
  };

  return {
    wake,
    /** Streams open in this process. */
    size: () => listeners.size,
    tasks: [
      {
        name: "event-sequencer",
        everyMs: options.sequencerIntervalMs,
        run: async () => {
          const round = await eventLog.sequence(options.db, options.sequencerBatch);
          if (round === null || round.numbered === 0) return false;
          moved(round.head);
          options.headMoved.send(String(round.head));
          return round.numbered === options.sequencerBatch;
        },
      },
      {
        name: "prune-events",
        everyMs: 3_600_000,
        run: async () => (await eventLog.prune(options.db, options.retentionDays)) > 0,
      },
    ],
    close() {
      if (poll !== null) clearInterval(poll);
      poll = null;
      wakeAll();
      listeners.clear();
    },
  };
}

export type EventStream = ReturnType<typeof createEventStream>;
