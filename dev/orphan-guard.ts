import { spawn } from "node:child_process";
import path from "node:path";
import type { ManagedProcess } from "./managed-process.js";

/**
 * Makes the dev stack's servers die with it, also when it is killed hard.
 * Postgres, nats-server and MailDev do not watch their parent, so a `kill -9`
 * of `npm start` would leave them running (and the next start would find
 * Postgres's lock taken). The guard is a separate process holding the read end
 * of a pipe from this one: the kernel closes the pipe however this process
 * ends, and the guard then stops every server it was told about.
 */
export interface OrphanGuard {
  /** Stop this process with `signal` should the dev stack die before it does. */
  watch(process: ManagedProcess, signal: NodeJS.Signals): void;
  /** The servers are stopped: the guard exits without doing anything. */
  release(): void;
}

/** `label` goes on the guard's command line, so `ps` shows whose guard it is (the state folder). */
export function startOrphanGuard(label: string): OrphanGuard {
  const script = path.join(import.meta.dirname, "orphan-guard-process.ts");
  // Same Node and loader flags (tsx) as this process; its own process group, so
  // a terminal's Ctrl-C reaches the dev stack and not the guard.
  const child = spawn(process.execPath, [...process.execArgv, script, label], {
    stdio: ["pipe", "ignore", "inherit"],
    detached: true,
  });
  child.unref();
  const stdin = child.stdin;
  // The pipe must not keep this process alive on its own.
  (stdin as unknown as { unref?: () => void } | null)?.unref?.();
  const send = (line: string) => {
    if (stdin?.writable) stdin.write(`${line}\n`);
  };
  return {
    watch(p, signal) {
      send(`watch ${p.pid} ${signal}`);
      void p.exited.then(() => send(`forget ${p.pid}`));
    },
    release() {
      send("release");
      stdin?.end();
    },
  };
}
