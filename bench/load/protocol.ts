import readline from "node:readline";

/**
 * The load process's side of the JSON-lines protocol with bench/lib/load.ts:
 * config in argv[2], messages out on stdout, commands in on stdin. stdout
 * carries nothing else.
 */
export function loadConfig<T>(): T {
  return JSON.parse(process.argv[2] ?? "{}") as T;
}

export function emit(message: { type: string; [key: string]: unknown }): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** A human-readable line the orchestrator prints as it comes. */
export function progress(text: string): void {
  emit({ type: "progress", text });
}

const commands: Array<Record<string, unknown>> = [];
const waiting: Array<() => void> = [];
const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  commands.push(JSON.parse(line) as Record<string, unknown>);
  for (const w of waiting.splice(0)) w();
});
// The orchestrator is gone (or done with us): never outlive it.
lines.on("close", () => process.exit(0));

/** Waits for the next command of this type from the orchestrator. */
export async function nextCommand(type: string): Promise<Record<string, unknown>> {
  for (;;) {
    const i = commands.findIndex((c) => c.type === type);
    if (i >= 0) return commands.splice(i, 1)[0] as Record<string, unknown>;
    await new Promise<void>((resolve) => waiting.push(resolve));
  }
}

/**
 * Runs the load's main function: its return value is sent as the `result`;
 * an error is sent as `error`. Either way the process exits, at the latest
 * after `hardLimitMs`, so no load outlives its budget.
 */
export function runMain(main: () => Promise<Record<string, unknown>>, hardLimitMs: number): void {
  const limit = setTimeout(() => {
    emit({ type: "error", message: `load process passed its hard limit of ${hardLimitMs} ms` });
    process.exit(2);
  }, hardLimitMs);
  limit.unref();
  main().then(
    (result) => {
      emit({ type: "result", ...result });
      process.exit(0);
    },
    (error: unknown) => {
      emit({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      process.exit(1);
    },
  );
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
