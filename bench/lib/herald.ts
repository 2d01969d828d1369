import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { freePort } from "../../dev/free-port.js";
import { generateApiKey } from "../../src/auth/api-key-format.js";
import { keepRecentOutput } from "./child-output.js";
import { assertNotInterrupted, interrupted, onCleanup } from "./cleanup.js";
import { type ProcessGroups, processCpuSeconds, residentKiB } from "./machine.js";
import { repoRoot, type Stack } from "./stack.js";

export interface HeraldOptions {
  /** Names the database and NATS prefix (letters, digits, underscores). */
  name: string;
  /** Extra environment (SMTP_URL, DELIVERY_CONCURRENCY...). */
  env?: Record<string, string>;
  /** Write a V8 CPU profile of the whole run into this folder (node --cpu-prof). */
  cpuProfDir?: string | undefined;
  /**
   * Another process of that Herald's deployment: same database, NATS prefix,
   * bootstrap API key and token secret. It leaves the database to the first
   * process, which creates it and drops it on stop (stop the joiners first).
   */
  joins?: BenchHerald;
}

export interface BenchHerald {
  pid: number;
  port: number;
  url: string;
  /** An API key with every scope (HERALD_BOOTSTRAP_API_KEY). */
  apiKey: string;
  /** HERALD_USER_TOKEN_SECRET, for minting user tokens. */
  userTokenSecret: string;
  /** Herald's own database on the shared Postgres. */
  database: string;
  /** NATS_SUBJECT_PREFIX, which also names its JetStream streams. */
  natsPrefix: string;
  /** Its Prometheus endpoint (`/metrics` on a port of its own). */
  metricsUrl: string;
  /**
   * The sum of the samples of one metric whose labels include `labels`, from
   * /metrics now: metric("herald_deliveries_total", { channel: "webhook", outcome: "sent" }).
   */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Resident memory now, in KiB. */
  rssKiB(): number;
  /** CPU seconds used so far. */
  cpuSeconds(): number;
  /** The last lines Herald printed (warnings and errors at LOG_LEVEL=warn). */
  recentOutput(): string;
  /** This Herald and the shared servers, for cpuWindow. */
  processGroups(): ProcessGroups;
  /** SIGTERM, wait for the graceful exit, drop the database (unless it joined another Herald's). */
  stop(): Promise<void>;
}

/**
 * Herald as its own OS process (`node --import tsx src/main.ts`, as
 * test/helpers/process.ts spawnHerald does) on a fresh database of the shared
 * Postgres and a NATS prefix of its own, or on those of the Herald it `joins`.
 * Unlike spawnHerald it keeps LOG_LEVEL=warn (so logging costs what it costs in
 * production) and waits for /readyz instead of the info-level "listening" line.
 */
export async function startHerald(stack: Stack, options: HeraldOptions): Promise<BenchHerald> {
  assertNotInterrupted(`herald ${options.name}`);
  const owner = options.joins; // the Herald whose database this one shares
  const suffix = randomBytes(3).toString("hex");
  const database = owner?.database ?? `bench_${options.name}_${suffix}`;
  const natsPrefix = owner?.natsPrefix ?? `bench_${options.name}_${suffix}`;
  if (owner === undefined) await stack.postgres.createDatabase(database);
  const port = await freePort();
  // Several Heralds run at once in scenario 9: none may take the default 9464.
  const metricsPort = await freePort();
  const apiKey = owner?.apiKey ?? generateApiKey().key;
  const userTokenSecret = owner?.userTokenSecret ?? randomBytes(32).toString("base64url");
  const nodeArgs = ["--import", "tsx"];
  if (options.cpuProfDir !== undefined) {
    mkdirSync(options.cpuProfDir, { recursive: true });
    nodeArgs.unshift("--cpu-prof", `--cpu-prof-dir=${options.cpuProfDir}`);
  }
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, path.join(repoRoot, "src/main.ts")], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: stack.postgres.url(database),
      DATABASE_POOL_MAX: "20",
      NATS_URL: stack.nats.url,
      NATS_SUBJECT_PREFIX: natsPrefix,
      PORT: String(port),
      HOST: "127.0.0.1",
      METRICS_PORT: String(metricsPort),
      METRICS_HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      HERALD_BOOTSTRAP_API_KEY: apiKey,
      HERALD_USER_TOKEN_SECRET: userTokenSecret,
      // The benchmarks measure Herald, not its rate limiter: one key sends
      // thousands of calls a second, far past the per-key default (500/s).
      // A scenario that wants limits sets them in `env`.
      RATE_LIMIT_API_KEY_PER_SECOND: "0",
      RATE_LIMIT_USER_PER_SECOND: "0",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid as number;
  const output = keepRecentOutput(child);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const stop = onCleanup(`herald ${options.name} (pid ${pid})`, async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("timeout"), 15_000))]);
    if (code === "timeout") {
      child.kill("SIGKILL");
      await exited;
    }
    // At LOG_LEVEL=warn anything Herald printed is worth seeing next to the numbers.
    const said = output()
      .trim()
      .split("\n")
      .filter((l) => l !== "");
    if (said.length > 0 && !interrupted()) {
      console.error(`    Herald (${options.name}) printed ${said.length} line(s); the last ones:`);
      for (const line of said.slice(-8)) console.error(`      ${line.slice(0, 400)}`);
    }
    // After a signal Postgres is stopping too, and the whole folder goes. A
    // process that joined another leaves the database to that one.
    if (owner === undefined && !interrupted()) {
      await stack.sql("postgres", `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    }
  });

  const url = `http://127.0.0.1:${port}`;
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  try {
    await waitUntilReady(`${url}/readyz`, exited, 60_000);
  } catch (error) {
    await stop();
    throw new Error(`Herald did not become ready: ${(error as Error).message}\n${output().slice(-4000)}`);
  }
  return {
    pid,
    port,
    url,
    apiKey,
    userTokenSecret,
    database,
    natsPrefix,
    metricsUrl,
    metric: (name, labels = {}) => readMetric(metricsUrl, name, labels),
    rssKiB: () => residentKiB(pid),
    cpuSeconds: () => processCpuSeconds(pid),
    recentOutput: () => output().slice(-3000),
    processGroups: () => ({ herald: () => [pid], ...stack.processGroups() }),
    stop,
  };
}

/** Polls GET `url` (Herald's /readyz: Postgres and NATS reachable) until it answers 200. */
export async function waitUntilReady(url: string, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  let dead: number | null | undefined;
  void exited.then((code) => {
    dead = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (dead !== undefined) throw new Error(`exited with code ${dead}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready after ${timeoutMs} ms`);
}

/** Adds up the samples of `name` carrying every one of `labels` in a Prometheus text exposition. */
async function readMetric(url: string, name: string, labels: Record<string, string>): Promise<number> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let sum = 0;
  for (const line of (await res.text()).split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)/.exec(line);
    if (match?.[1] !== name) continue;
    const sampleLabels = match[2] ?? "";
    if (wanted.every((w) => sampleLabels.includes(`{${w}`) || sampleLabels.includes(`,${w}`))) sum += Number(match[3]);
  }
  return sum;
}
