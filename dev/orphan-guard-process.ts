// The orphan guard: a small process `npm start` spawns beside itself (see
// orphan-guard.ts). It reads "watch <pid> <signal>" and "release" lines on
// stdin. When stdin closes without "release", the dev stack died without
// stopping its servers (kill -9, a crash), so the guard stops them: each gets
// its signal, and SIGKILL after 10 s.
import { createInterface } from "node:readline";
import { isAlive } from "./managed-process.js";

const watched = new Map<number, NodeJS.Signals>();
let released = false;

// The guard outlives its parent on purpose: a terminal's Ctrl-C or hang-up is
// for the dev stack, which then stops everything itself and releases the guard.
for (const signal of ["SIGINT", "SIGHUP"] as const) process.on(signal, () => undefined);

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const [verb, pid, signal] = line.trim().split(" ");
  if (verb === "watch" && Number(pid) > 0 && signal?.startsWith("SIG")) {
    watched.set(Number(pid), signal as NodeJS.Signals);
  } else if (verb === "forget") {
    watched.delete(Number(pid));
  } else if (verb === "release") {
    released = true;
  }
});
lines.on("close", () => {
  if (released) process.exit(0);
  void stopAll().then(() => process.exit(0));
});

async function stopAll(): Promise<void> {
  for (const [pid, signal] of watched) signal_(pid, signal);
  const deadline = Date.now() + 10_000;
  while ([...watched.keys()].some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of watched.keys()) if (isAlive(pid)) signal_(pid, "SIGKILL");
}

function signal_(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
