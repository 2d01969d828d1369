import { context, ROOT_CONTEXT } from "@opentelemetry/api";
import type { Logger } from "pino";

export interface SchedulerTask {
  name: string;
  /** Runs one round; returns true if there may be more to do right away. */
  run: () => Promise<boolean>;
  /** Pause between rounds when the last one found nothing more. */
  everyMs: number;
}

export interface Scheduler {
  /** Runs a task's next round now (or right after the current one), instead of at its interval. */
  kick(name: string): void;
  /** Stops scheduling and waits for rounds in progress. */
  stop(): Promise<void>;
}

/**
 * Runs background tasks (the outbox relay, pruning old feed events and
 * idempotency keys) on timers, each round after the previous one ended, so a
 * slow round never overlaps the next. A failed round is logged and retried at
 * the next interval.
 */
export function startScheduler(tasks: SchedulerTask[], logger: Logger): Scheduler {
  let stopped = false;
  const running = new Set<Promise<void>>();
  const state = new Map(
    tasks.map((task) => [task.name, { task, timer: null as NodeJS.Timeout | null, busy: false, again: false }]),
  );

  const schedule = (name: string, delay: number) => {
    const s = state.get(name);
    if (s === undefined || stopped) return;
    if (s.timer !== null) clearTimeout(s.timer);
    // Rounds run outside whatever context kicked them (a Send's trace, say):
    // one round serves many callers.
    s.timer = context.with(ROOT_CONTEXT, () =>
      setTimeout(() => {
        s.timer = null;
        s.busy = true;
        const round = (async () => {
          let more = false;
          try {
            more = await s.task.run();
          } catch (err) {
            logger.warn({ err, task: s.task.name }, "background task failed");
          }
          s.busy = false;
          const now = more || s.again;
          s.again = false;
          schedule(name, now ? 0 : s.task.everyMs);
        })();
        running.add(round);
        void round.finally(() => running.delete(round));
      }, delay),
    );
  };
  for (const task of tasks) schedule(task.name, 0);

  return {
    kick(name) {
      const s = state.get(name);
      if (s === undefined || stopped) return;
      if (s.busy) s.again = true;
      else schedule(name, 0);
    },
    async stop() {
      stopped = true;
      for (const s of state.values()) if (s.timer !== null) clearTimeout(s.timer);
      await Promise.all(running);
    },
  };
}
