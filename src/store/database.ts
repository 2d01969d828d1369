import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import type { Pool, PoolClient } from "pg";
import { UnavailableError } from "../domain/errors.js";

// Loaded with require, not import: OpenTelemetry's pg instrumentation patches pg
// through the require hook, which an ESM import of a CommonJS package bypasses.
const pg = createRequire(import.meta.url)("pg") as typeof import("pg");

// node-pg returns int8 as strings so that no 64-bit value loses precision. Herald's
// bigints are per-user sequence numbers and counts, far below 2^53, so numbers are
// the honest type for them.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/**
 * What statements run on: the pool (each statement on a connection of its own)
 * or one transaction's connection. Every store takes one as its first argument,
 * so the caller decides what runs together.
 */
export interface Queryable {
  /** Runs a statement and returns its rows (a SELECT, or any statement with RETURNING). */
  rows<T extends object>(sql: string, values?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement for its effect and returns how many rows it touched. */
  exec(sql: string, values?: readonly unknown[]): Promise<number>;
}

/** The database: statements on the pool, and transactions. */
export interface Database extends Queryable {
  /** Runs `work` in one transaction; it commits when `work` resolves and rolls back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Connections open and waiting callers (health, metrics). */
  stats(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Postgres connection string. */
  url: string;
  /** Most connections in the pool. */
  poolMax: number;
  /**
   * Connections opened at once, in the background, and kept open while idle
   * (default 0: every connection closes after 10 s idle). At most `poolMax`.
   */
  poolMin?: number;
  /** How long a caller waits for a pooled connection before the call fails as unavailable. */
  acquireTimeoutMs?: number;
}

/**
 * A node-postgres pool, through its public API only. Statements run as named
 * prepared statements: Postgres plans each once per connection, which is most
 * of the cost of Herald's short statements. That makes a connection's age
 * matter: a new one pays authentication, a backend with cold caches and its
 * first plannings, so `poolMin` connections are opened up front and kept.
 */
export function createDatabase(options: DatabaseOptions): Database {
  const poolMin = Math.min(options.poolMin ?? 0, options.poolMax);
  const pool: Pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    min: poolMin,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: options.acquireTimeoutMs ?? 10_000,
  });
  // An idle connection that dies (Postgres restarted) must not crash the process;
  // the next statement gets a new one.
  pool.on("error", () => undefined);
  const warming = openConnections(pool, poolMin);
  const onPool = runner((config) => pool.query(config));
  return {
    ...onPool,
    async transaction(work) {
      let client: PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw storeError(error);
      }
      const tx = runner((config) => client.query(config));
      let broken: unknown = null;
      try {
        await tx.exec("BEGIN");
        const result = await work(tx);
        await tx.exec("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch((rollbackError: unknown) => {
          broken = rollbackError; // a connection that cannot roll back is not reused
        });
        throw storeError(error);
      } finally {
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
    stats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async close() {
      await warming;
      await pool.end();
    },
  };
}

/**
 * Opens `count` connections side by side and returns them to the pool, where
 * `min` keeps them. A failure here is not reported: the statements that need
 * the connection open one themselves and report theirs.
 */
async function openConnections(pool: Pool, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, () =>
      pool.connect().then(
        (client) => client.release(),
        () => undefined,
      ),
    ),
  );
}

type Run = (config: { text: string; values: unknown[]; name: string }) => Promise<{
  rows: unknown[];
  rowCount: number | null;
}>;

function runner(run: Run): Queryable {
  const query = async (sql: string, values: readonly unknown[] = []) => {
    try {
      return await run({ text: sql, values: [...values], name: statementName(sql) });
    } catch (error) {
      throw storeError(error);
    }
  };
  return {
    rows: async <T extends object>(sql: string, values?: readonly unknown[]) => (await query(sql, values)).rows as T[],
    exec: async (sql, values) => (await query(sql, values)).rowCount ?? 0,
  };
}

const names = new Map<string, string>();
function statementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    name = `h${createHash("sha1").update(sql).digest("hex").slice(0, 16)}`;
    names.set(sql, name);
  }
  return name;
}

/**
 * A failure that means Postgres is out of reach (refused, reset, shut down,
 * no pooled connection in time: SQLSTATE class 08 and 57P0x) becomes
 * UnavailableError, which callers may retry; anything else (a bug, a broken
 * constraint) passes through unchanged and becomes Internal at the edge.
 */
export function storeError(error: unknown): unknown {
  if (error instanceof UnavailableError || !(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  const lost =
    (typeof code === "string" && (/^08/.test(code) || /^57P0[123]$/.test(code))) ||
    (typeof code === "string" && ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE"].includes(code)) ||
    /Connection terminated|timeout exceeded when trying to connect|Cannot use a pool after calling end/.test(
      error.message,
    );
  return lost ? new UnavailableError("database unavailable, try again", { cause: error }) : error;
}
