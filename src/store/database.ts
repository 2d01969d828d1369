import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { Sequelize, type Transaction } from "sequelize";

// Loaded with require, not import: OpenTelemetry's pg instrumentation patches pg
// through the require hook, which an ESM import of a CommonJS package bypasses.
const pg = createRequire(import.meta.url)("pg") as typeof import("pg");

/** The Postgres handle every repository receives. */
export type Database = Sequelize;
/** A transaction, or undefined to run on a pooled connection of its own. */
export type Tx = Transaction | undefined;

// node-pg returns int8 as strings so that no 64-bit value loses precision. Herald's
// bigints are per-user sequence numbers and counts, far below 2^53, so numbers are
// the honest type for them.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface DatabaseOptions {
  /** Postgres connection string. */
  url: string;
  /** Most connections in the pool. */
  poolMax: number;
}

/** Opens a pooled Sequelize instance on Postgres (connections open lazily). */
export function createDatabase(options: DatabaseOptions): Database {
  return new Sequelize(options.url, {
    dialect: "postgres",
    dialectModule: pg,
    logging: false,
    pool: { max: options.poolMax, min: 0, idle: 10_000, acquire: 10_000 },
    // Herald's timestamps are timestamptz and always compared in UTC.
    timezone: "+00:00",
  });
}

/** The node-postgres client a pooled connection (or a transaction) holds. */
interface PgClient {
  query(config: {
    text: string;
    values: unknown[];
    name: string;
  }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

// Statements go straight to node-postgres on the connection Sequelize manages
// (its pool, its transactions), as named prepared statements: the hot paths skip
// Sequelize's query pipeline and Postgres plans each statement once per
// connection.
const names = new Map<string, string>();
function statementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    name = `h${createHash("sha1").update(sql).digest("hex").slice(0, 16)}`;
    names.set(sql, name);
  }
  return name;
}

async function run(db: Database, sql: string, bind: unknown[], tx: Tx) {
  const owned =
    tx === undefined ? ((await db.connectionManager.getConnection({ type: "write" })) as unknown as PgClient) : null;
  const client = owned ?? (tx as unknown as { connection: PgClient }).connection;
  try {
    return await client.query({ text: sql, values: bind, name: statementName(sql) });
  } finally {
    if (owned !== null) db.connectionManager.releaseConnection(owned as never);
  }
}

/** Runs a statement and returns its rows (SELECT, or any statement with RETURNING). */
export async function queryRows<T extends object>(db: Database, sql: string, bind: unknown[], tx: Tx): Promise<T[]> {
  return (await run(db, sql, bind, tx)).rows as T[];
}

/** Runs a statement for its effect and returns how many rows it touched. */
export async function execute(db: Database, sql: string, bind: unknown[], tx: Tx): Promise<number> {
  return (await run(db, sql, bind, tx)).rowCount ?? 0;
}

/** Runs work in one transaction; what use cases receive instead of the database. */
export interface Transactor {
  run<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

export function createTransactor(db: Database): Transactor {
  return { run: (work) => db.transaction((tx) => work(tx)) };
}
