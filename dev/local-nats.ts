import { type ChildProcess, spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { freePort } from "./free-port.js";

export interface LocalNatsOptions {
  /** The nats-server executable (nats-server-binary.ts installs it). */
  bin: string;
  /** JetStream storage folder. */
  storeDir: string;
  /** Port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  onLog?: (line: string) => void;
  /**
   * Run it in its own process group, so a terminal's Ctrl-C reaches only the
   * process that started it, which then stops it in order (npm start).
   */
  detached?: boolean;
}

export interface LocalNats {
  url: string;
  port: number;
  /** The server's pid while it runs. */
  pid(): number | null;
  /** Resolves when the running server exits. */
  exited(): Promise<void>;
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
      { stdio: ["ignore", "pipe", "pipe"], detached: options.detached ?? false },
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
    pid: () => child?.pid ?? null,
    exited: () => {
      const proc = child;
      if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
      return new Promise((resolve) => proc.once("exit", () => resolve()));
    },
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
