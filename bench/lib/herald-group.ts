import { type BenchHerald, type HeraldOptions, startHerald } from "./herald.js";
import type { ProcessGroups } from "./machine.js";
import type { Stack } from "./stack.js";

/** Several Herald processes of one deployment: one database, one NATS prefix, one API key. */
export interface HeraldGroup {
  /** The processes; the first owns the database. */
  heralds: BenchHerald[];
  /** Each process as a group of its own, for cpuWindow: herald1, herald2... */
  processGroups(): ProcessGroups;
  /** Stops the processes that joined, then the first (which drops the database). */
  stop(): Promise<void>;
}

/**
 * Starts `size` Herald processes as one deployment: the first on a fresh
 * database (it migrates it), then the others together, joining it.
 */
export async function startHeraldGroup(stack: Stack, size: number, options: HeraldOptions): Promise<HeraldGroup> {
  const first = await startHerald(stack, options);
  const joined = await Promise.allSettled(
    Array.from({ length: size - 1 }, (_, i) =>
      startHerald(stack, { ...options, name: `${options.name}_${i + 2}`, joins: first }),
    ),
  );
  const rest = joined.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const stop = async () => {
    await Promise.all(rest.map((h) => h.stop()));
    await first.stop();
  };
  const failed = joined.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed !== undefined) {
    await stop();
    throw failed.reason;
  }
  const heralds = [first, ...rest];
  return {
    heralds,
    processGroups: () => Object.fromEntries(heralds.map((h, i) => [`herald${i + 1}`, () => [h.pid]])),
    stop,
  };
}
