import { spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { assertNotInterrupted, onCleanup } from "./cleanup.js";
import { cpuWindow, type ProcessGroups } from "./machine.js";
import { repoRoot } from "./stack.js";

/** A message a load process prints on stdout, one JSON object per line. */
export interface LoadMessage {
  type: string;
  [key: string]: unknown;
}

export interface LoadProcess {
  pid: number;
  /** Sends a command (one JSON line on the process's stdin). */
  command(message: LoadMessage): void;
  /** The next message of this type (earlier ones of other types are skipped). */
  next<T extends LoadMessage>(type: string, timeoutMs: number): Promise<T>;
  /** Kills the process if it still runs. */
  stop(): Promise<void>;
}

/**
 * Starts `node --import tsx bench/load/<script>.ts '<config JSON>'`: a load
 * generator in its own process, so its CPU use is its own and not Herald's or
 * the orchestrator's. It answers with JSON lines on stdout (`ready`, `progress`,
 * `result`, `error`) and takes commands on stdin; it exits when stdin closes,
 * so it never outlives the orchestrator.
 */
export function startLoad(script: string, config: object): LoadProcess {
  assertNotInterrupted(`load ${script}`);
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(repoRoot, "bench/load", `${script}.ts`), JSON.stringify(config)],
    { cwd: repoRoot, stdio: ["pipe", "pipe", "inherit"] },
  );
  const pid = child.pid as number;
  const queue: LoadMessage[] = [];
  const waiters: Array<() => void> = [];
  let exit: string | null = null;
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  readline.createInterface({ input: child.stdout }).on("line", (line) => {
    let message: LoadMessage;
    try {
      message = JSON.parse(line) as LoadMessage;
    } catch {
      process.stderr.write(`[${script}] ${line}\n`);
      return;
    }
    if (message.type === "progress") process.stderr.write(`    ${String(message.text ?? "")}\n`);
    queue.push(message);
    wake();
  });
  child.stdin.on("error", () => undefined); // the process may be gone already
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exit = `exited (code ${code}, signal ${signal})`;
      wake();
      resolve();
    }),
  );
  const stop = onCleanup(`load ${script} (pid ${pid})`, async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin.end();
      child.kill("SIGTERM");
    }
    await exited;
  });
  return {
    pid,
    command(message) {
      child.stdin.write(`${JSON.stringify(message)}\n`);
    },
    async next<T extends LoadMessage>(type: string, timeoutMs: number): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = queue.findIndex((m) => m.type === type || m.type === "error");
        if (i >= 0) {
          const [message] = queue.splice(0, i + 1).slice(-1) as [LoadMessage];
          if (message.type === "error") throw new Error(`load ${script}: ${String(message.message)}`);
          return message as T;
        }
        if (exit !== null) throw new Error(`load ${script} ${exit} before sending "${type}"`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`load ${script}: no "${type}" within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    stop,
  };
}

/** Runs a load process to its `result` and stops it. */
export async function runLoad<T extends LoadMessage>(script: string, config: object, timeoutMs: number): Promise<T> {
  const load = startLoad(script, config);
  try {
    return await load.next<T>("result", timeoutMs);
  } finally {
    await load.stop();
  }
}

/**
 * Runs a load process whose measured phase starts with a `measuring` message
 * and ends with its `result`, and adds up the CPU use over exactly that phase
 * of the given processes, of the load process itself and of the machine.
 * `window` starts any other measurement over the phase (Postgres counters).
 */
export async function runMeasured<T extends LoadMessage, W = undefined>(
  script: string,
  config: object,
  groups: ProcessGroups,
  timeoutMs: number,
  window?: () => Promise<() => Promise<W>>,
): Promise<{ result: T; cpu: Record<string, number>; window: W | undefined }> {
  const load = startLoad(script, config);
  try {
    await load.next("measuring", timeoutMs);
    const cpuStop = cpuWindow({ ...groups, load: () => [load.pid] });
    const stop = await window?.();
    const result = await load.next<T>("result", timeoutMs);
    const cpu = cpuStop.stop();
    return { result, cpu, window: await stop?.() };
  } finally {
    await load.stop();
  }
}
