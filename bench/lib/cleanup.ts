/**
 * Everything the harness starts (servers, Herald, load processes, temp folders)
 * registers how to undo it here. `finally` blocks undo their own; a signal or a
 * crash undoes whatever is left, newest first.
 */
type Task = { name: string; run: () => Promise<void> | void };

const tasks: Task[] = [];

/** Registers an undo step; returns a function that runs it now (once) and unregisters it. */
export function onCleanup(name: string, run: () => Promise<void> | void): () => Promise<void> {
  const task: Task = { name, run };
  tasks.push(task);
  // Started while a signal's cleanup runs: undo it at once rather than leave it behind.
  if (signalled) void cleanupAll();
  let done: Promise<void> | null = null;
  return () => {
    if (done === null) {
      const i = tasks.indexOf(task);
      if (i >= 0) tasks.splice(i, 1);
      done = runTask(task);
    }
    return done;
  };
}

async function runTask(task: Task, timeoutMs = 20_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(task.run),
      new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    console.error(`cleanup "${task.name}" failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every registered step, newest first. */
export async function cleanupAll(): Promise<void> {
  while (tasks.length > 0) await runTask(tasks.pop() as Task);
}

let signalled = false;

/** True once SIGINT or SIGTERM arrived: stop starting things, write nothing. */
export function interrupted(): boolean {
  return signalled;
}

/** Throws once a signal arrived, so nothing new starts while the harness stops. */
export function assertNotInterrupted(what: string): void {
  if (signalled) throw new Error(`not starting ${what}: the benchmark is stopping`);
}

/**
 * On SIGINT or SIGTERM, undo everything and exit 130/143. A second signal while
 * cleaning up exits at once (processes may then be left behind; their pids were printed).
 */
export function exitCleanlyOnSignals(): void {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.on(signal, () => {
      if (signalled) process.exit(code);
      signalled = true;
      console.error(`\n${signal}: stopping every process the benchmark started...`);
      void cleanupAll().finally(() => process.exit(code));
    });
  }
}
