import { UnavailableError } from "../domain/errors.js";

export interface ReadQueueOptions {
  /**
   * Reads running at once. Each holds one pooled Postgres connection, so this
   * stays well below the pool's size and List, Send and the workers always
   * find a connection, however many streams need to read.
   */
  concurrency: number;
  /** Callers that may wait for a slot; beyond this, reads that may be shed are refused. */
  maxWaiting: number;
  /** What a shed caller is told, given how many wait. */
  busyMessage?: (waiting: number) => string;
}

export interface ReadOptions {
  /**
   * Refuse at once with an UnavailableError, rather than wait, when `maxWaiting`
   * callers already wait: for work not yet admitted (a Subscribe opening), never
   * for streams already open.
   */
  shed: boolean;
  /** Stops waiting (the read, once started, still runs for the others waiting on it). */
  signal?: AbortSignal;
}

export interface ReadQueue {
  /**
   * The result of `start()`, run when a slot is free. Reads with the same `key`
   * that are still waiting share one run; a read that has started is never
   * joined, since it may predate what the caller needs to see.
   */
  read<T>(key: string, start: () => Promise<T>, options: ReadOptions): Promise<T>;
  /** Callers waiting for a slot, and reads running. */
  stats(): { waiting: number; running: number };
}

/** Thrown to a shed caller; Unavailable tells clients to retry later (with backoff). */
export class ReadQueueFullError extends UnavailableError {}

interface Waiter {
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

interface Job {
  key: string;
  start: () => Promise<unknown>;
  waiters: Set<Waiter>;
}

/**
 * A bounded, coalescing queue in front of Postgres (the live feed's reads, API
 * key lookups):
 * at most `concurrency` run at once, callers wait in order, identical waiting
 * reads run once, and callers that leave stop waiting (a read nobody waits for
 * any more never runs).
 */
export function createReadQueue(options: ReadQueueOptions): ReadQueue {
  // Insertion order is arrival order: the Map is the FIFO queue and the index by key.
  const queued = new Map<string, Job>();
  let waiting = 0;
  let running = 0;

  const settle = (job: Job, outcome: { value: unknown } | { error: unknown }) => {
    for (const waiter of job.waiters) {
      if ("value" in outcome) waiter.resolve(outcome.value);
      else waiter.reject(outcome.error);
    }
    job.waiters.clear();
  };

  const pump = () => {
    while (running < options.concurrency) {
      const next = queued.values().next();
      if (next.done === true) return;
      const job = next.value;
      queued.delete(job.key);
      waiting -= job.waiters.size;
      running += 1;
      Promise.resolve()
        .then(job.start)
        .then(
          (value) => settle(job, { value }),
          (error: unknown) => settle(job, { error }),
        )
        .finally(() => {
          running -= 1;
          pump();
        });
    }
  };

  return {
    read<T>(key: string, start: () => Promise<T>, o: ReadOptions): Promise<T> {
      const signal = o.signal;
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (o.shed && waiting >= options.maxWaiting) {
        return Promise.reject(
          new ReadQueueFullError(
            options.busyMessage?.(waiting) ??
              `server busy: ${waiting} live-feed reads are waiting for the database (FEED_READ_QUEUE_MAX=${options.maxWaiting}); retry the Subscribe later`,
          ),
        );
      }
      let job = queued.get(key);
      if (job === undefined) {
        job = { key, start, waiters: new Set() };
        queued.set(key, job);
      }
      const owner = job;
      return new Promise<T>((resolve, reject) => {
        const leave = () => {
          if (!owner.waiters.delete(waiter)) return;
          // Still queued: it no longer waits; a job nobody waits for is dropped.
          if (queued.get(owner.key) === owner) {
            waiting -= 1;
            if (owner.waiters.size === 0) queued.delete(owner.key);
          }
          reject(signal?.reason);
        };
        const waiter: Waiter = {
          resolve: (value) => {
            signal?.removeEventListener("abort", leave);
            resolve(value as T);
          },
          reject: (reason) => {
            signal?.removeEventListener("abort", leave);
            reject(reason);
          },
        };
        owner.waiters.add(waiter);
        waiting += 1;
        signal?.addEventListener("abort", leave, { once: true });
        pump();
      });
    },
    stats: () => ({ waiting, running }),
  };
}
