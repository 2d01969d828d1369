import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { defaultTenant } from "../../src/domain/tenant.js";
import { assertNotInterrupted } from "./cleanup.js";
import { type CpuWindow, cpuWindow, type ProcessGroups } from "./machine.js";
import { type LatencySummary, summarize } from "./stats.js";

export interface PgbenchResult {
  clients: number;
  threads: number;
  seconds: number;
  transactions: number;
  tps: number;
  latencyMs: LatencySummary;
  /** CPU use of pgbench, Postgres and the machine during the run (percent of one core). */
  cpu: Record<string, number>;
}

/**
 * A table shaped like Herald's `notifications` (same columns, constraints and
 * indexes: LIKE ... INCLUDING ALL, which leaves out foreign keys, so its one,
 * `tenant_id` -> `tenants`, is added by hand) and the pgbench script that
 * inserts one notification-sized row per transaction into it, in the tenant
 * Herald's Sends use (the default one): what Postgres alone can commit on this
 * machine, the ceiling for an in-app Send. The foreign key is there because
 * Herald's insert pays for it too (a lookup and a share lock on the tenant's row).
 */
export const pgbenchSetupSql = `
  CREATE TABLE bench_notifications (LIKE notifications INCLUDING ALL);
  ALTER TABLE bench_notifications ADD FOREIGN KEY (tenant_id) REFERENCES tenants (id);
  CREATE SEQUENCE bench_notifications_seq;
`;

const script = `\\set uid random(0, 9999)
INSERT INTO bench_notifications
  (id, tenant_id, user_id, seq, category, title, body, priority, sender_key_id, created_at, send_at)
VALUES (uuidv7(), '${defaultTenant}', 'user-' || :uid, nextval('bench_notifications_seq'), 'bench.send', 'Your order has shipped',
  'Order 12345 left our warehouse today and should arrive within two to three business days.',
  'normal', 'benchkey', now(), now());
`;

/**
 * Runs Debian's pgbench (`-c clients -j min(clients, 2) -T seconds`) against a
 * database over TCP, with a per-transaction log for latency percentiles.
 */
export async function runPgbench(options: {
  port: number;
  database: string;
  password: string;
  clients: number;
  seconds: number;
  workDir: string;
  /** Processes whose CPU use to add up (Postgres). */
  processGroups: ProcessGroups;
}): Promise<PgbenchResult> {
  assertNotInterrupted("pgbench");
  const dir = path.join(options.workDir, `pgbench-c${options.clients}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const scriptFile = path.join(dir, "insert-notification.sql");
  writeFileSync(scriptFile, script);
  const threads = Math.min(options.clients, 2);
  const run = promisify(execFile)(
    "pgbench",
    [
      ...["-h", "127.0.0.1", "-p", String(options.port), "-U", "postgres", "-n"],
      ...["-c", String(options.clients), "-j", String(threads), "-T", String(options.seconds)],
      ...["-f", scriptFile, "-l", `--log-prefix=${path.join(dir, "log")}`, options.database],
    ],
    { env: { ...process.env, PGPASSWORD: options.password }, timeout: (options.seconds + 60) * 1000 },
  );
  const pid = run.child.pid as number;
  const window: CpuWindow = cpuWindow({ pgbench: () => [pid], ...options.processGroups });
  const { stdout } = await run;
  const cpu = window.stop();
  const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1]);
  const transactions = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1]);
  if (!Number.isFinite(tps)) throw new Error(`pgbench printed no tps:\n${stdout}`);
  // Log lines: client_id transaction_no time(us) script_no time_epoch time_us
  const latencies: number[] = [];
  for (const file of readdirSync(dir).filter((f) => f.startsWith("log."))) {
    for (const line of readFileSync(path.join(dir, file), "utf8").split("\n")) {
      const us = Number(line.split(" ")[2]);
      if (line !== "" && Number.isFinite(us)) latencies.push(us / 1000);
    }
  }
  return {
    clients: options.clients,
    threads,
    seconds: options.seconds,
    transactions,
    tps,
    latencyMs: summarize(latencies),
    cpu,
  };
}
