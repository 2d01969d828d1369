// Issue 16: 10,000 Subscribe streams on one Herald survive a saturated machine.
// While CPU burners (one busy child process per core, bounded in time, stopped
// by pid) compete with Herald, Postgres and the client, a separate client
// process opens 10,000 streams (one per user, 100 per HTTP/2 connection, over
// grpc-js like bench/load/idle-streams.ts) and 10 bulk Sends of 1,000
// recipients follow: no stream may end with an error, and each must receive its
// user's notification exactly once.
import { type ChildProcess, spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHerald, type TestHerald, userTokenSecret } from "../helpers/herald.js";
import type { SaturatedStreamsConfig } from "./fixtures/saturated-streams-load.js";

const root = path.resolve(import.meta.dirname, "../..");
const streams = 10_000;
const burnMs = 16 * 60_000; // an upper bound: the burners are stopped as soon as the test ends

let herald: TestHerald;
beforeAll(async () => {
  herald = await startHerald({
    // Every limit (FEED_MAX_STREAMS, FEED_READ_*, DATABASE_POOL_MAX...) at its
    // default. Only the heartbeat goes back to its default of 15 s: the test
    // environment's 1 s would add 10,000 heartbeats a second, a load no
    // deployment runs with.
    env: { FEED_HEARTBEAT_INTERVAL_MS: "15000" },
  });
});
afterAll(() => herald?.close());

/** One busy loop per core, each ending by itself after `ms` at the latest. */
function startBurners(ms: number): ChildProcess[] {
  return Array.from({ length: Math.max(2, os.availableParallelism()) }, () =>
    spawn(process.execPath, ["-e", `const end = Date.now() + ${ms}; while (Date.now() < end) {}`], {
      stdio: "ignore",
    }),
  );
}

function stopBurners(burners: ChildProcess[]) {
  for (const b of burners) if (b.pid !== undefined && b.exitCode === null) process.kill(b.pid, "SIGKILL");
}

/** The client process, with its JSON-lines protocol (bench/load/protocol.ts). */
function startClient(config: SaturatedStreamsConfig) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(root, "test/e2e/fixtures/saturated-streams-load.ts"), JSON.stringify(config)],
    { cwd: root, stdio: ["pipe", "pipe", "inherit"] },
  );
  child.stdin.on("error", () => undefined);
  const messages: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  readline.createInterface({ input: child.stdout }).on("line", (line) => {
    const message = JSON.parse(line) as Record<string, unknown>;
    if (message.type === "progress") process.stderr.write(`    ${String(message.text)}\n`);
    else messages.push(message);
    for (const w of waiters.splice(0)) w();
  });
  child.once("exit", () => {
    messages.push({ type: "error", message: `client exited with ${child.exitCode ?? child.signalCode}` });
    for (const w of waiters.splice(0)) w();
  });
  return {
    command: (type: string) => child.stdin.write(`${JSON.stringify({ type })}\n`),
    async next(type: string, timeoutMs: number): Promise<Record<string, unknown>> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = messages.find((x) => x.type === type || x.type === "error");
        if (m?.type === "error") throw new Error(String(m.message));
        if (m !== undefined) return m;
        if (Date.now() > deadline) throw new Error(`no ${type} from the client in ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 1000);
        });
      }
    },
    stop() {
      child.stdin.end();
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGTERM");
    },
  };
}

describe("10,000 Subscribe streams on a saturated machine", () => {
  it("all stay open, and each gets its notification exactly once", async () => {
    const burners = startBurners(burnMs);
    const client = startClient({
      port: herald.port,
      apiKey: await herald.apiKey(["send"]),
      userTokenSecret,
      streams,
      perConnection: 100,
      recipientsPerCall: 1000,
      reachTimeoutMs: 120_000,
      settleMs: 16_000, // past one heartbeat, when a stream that missed an event would catch up
    });
    try {
      const opened = await client.next("opened", 620_000);
      expect(opened.failures).toBe(0);
      expect(herald.app.hub.size()).toBe(streams);
      expect(burners.every((b) => b.exitCode === null)).toBe(true); // still saturated
      client.command("deliver");
      const result = await client.next("settled", 300_000);
      process.stderr.write(`    ${JSON.stringify(result)}\n`);
      expect(herald.app.hub.size()).toBe(streams); // none ended on Herald's side either
      expect(burners.every((b) => b.exitCode === null)).toBe(true);
      expect({ failures: result.failures, firstFailure: result.firstFailure }).toEqual({
        failures: 0,
        firstFailure: "",
      });
      expect(result.streamsByEvents).toEqual({ 1: streams });
      expect(result.distinctNotifications).toBe(streams);
    } finally {
      client.stop();
      stopBurners(burners);
    }
  }, 1_000_000);
});
