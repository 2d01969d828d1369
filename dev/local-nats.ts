import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port.js";

/** The nats-server Herald develops and tests against (Debian's 2.9 is too old). */
export const natsServerModule = "github.com/nats-io/nats-server/v2@v2.15.2";

/**
 * Installs nats-server into `binDir` with `go install`, unless it is there
 * already. Returns the binary's path.
 */
export function ensureNatsServer(binDir: string): Promise<string> {
  return goInstall(binDir, "nats-server", natsServerModule);
}

/** `go install module` into `binDir` unless `name` is there already; returns its path. */
export async function goInstall(binDir: string, name: string, module: string): Promise<string> {
  const bin = path.resolve(binDir, name);
  if (existsSync(bin)) return bin;
  await mkdir(binDir, { recursive: true });
  await promisify(execFile)("go", ["install", module], {
    env: { ...process.env, GOBIN: path.resolve(binDir) },
    timeout: 10 * 60_000,
  });
  return bin;
}

export interface LocalNatsOptions {
  bin: string;
  /** JetStream storage folder. */
  storeDir: string;
  /** Port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  onLog?: (line: string) => void;
}

export interface LocalNats {
  url: string;
  port: number;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and storage (after stop). */
  start(): Promise<void>;
}

/** A nats-server with JetStream on 127.0.0.1, for development and tests. */
export async function startLocalNats(options: LocalNatsOptions): Promise<LocalNats> {
  const port = options.port || (await freePort());
  await mkdir(options.storeDir, { recursive: true });
  let child: ChildProcess | null = null;

  const start = async () => {
    const proc = spawn(
      options.bin,
      ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", path.resolve(options.storeDir)],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child = proc;
    const log = (chunk: Buffer) => options.onLog?.(chunk.toString().trimEnd());
    proc.stdout?.on("data", log);
    proc.stderr?.on("data", log);
    const exited = new Promise<never>((_, reject) =>
      proc.once("exit", (code) => reject(new Error(`nats-server exited with code ${code} before it was ready`))),
    );
    await Promise.race([waitForPort(port, 15_000), exited]);
    exited.catch(() => undefined);
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    start,
    async stop() {
      const proc = child;
      child = null;
      if (proc === null || proc.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        proc.once("exit", () => resolve());
        proc.kill("SIGTERM");
      });
    },
  };
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
