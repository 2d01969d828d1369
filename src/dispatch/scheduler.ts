import type { Logger } from "pino";

export interface SchedulerTask {
  name: string;
  /** Runs one round; returns true if there may be more to do right away. */
  run: () => Promise<boolean>;
  /** Pause between rounds when the last one found nothing more. */
  everyMs: number;
}

export interface Scheduler {
  /** Stops scheduling and waits for rounds in progress. */
  stop(): Promise<void>;
}

/**
 * Runs background tasks (releasing scheduled notifications, pruning old feed
 * events and idempotency keys) on timers, each round after the previous one
 * ended, so a slow round never overlaps the next. A failed round is logged and
 * retried at the next interval.
 */
export function startScheduler(tasks: SchedulerTask[], logger: Logger): Scheduler {
  let stopped = false;
  const running = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();

  const schedule = (task: SchedulerTask, delay: number) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      const round = (async () => {
        let again = false;
        try {
          again = await task.run();
        } catch (err) {
          logger.warn({ err, task: task.name }, "background task failed");
        }
        schedule(task, again ? 0 : task.everyMs);
      })();
      running.add(round);
      void round.finally(() => running.delete(round));
    }, delay);
    timers.add(timer);
  };
  for (const task of tasks) schedule(task, 0);

  return {
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      await Promise.all(running);
    },
  };
}
