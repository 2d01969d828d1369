import { createRequire } from "node:module";
import { QueryTypes, Sequelize, type Transaction } from "sequelize";

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

/** Runs a statement and returns its rows (SELECT, or any statement with RETURNING). */
export async function queryRows<T extends object>(db: Database, sql: string, bind: unknown[], tx: Tx): Promise<T[]> {
  return db.query<T>(sql, { bind, type: QueryTypes.SELECT, transaction: tx ?? null });
}

/** Runs a statement for its effect and returns how many rows it touched. */
export async function execute(db: Database, sql: string, bind: unknown[], tx: Tx): Promise<number> {
  const [, meta] = await db.query(sql, { bind, transaction: tx ?? null, raw: true });
  return (meta as { rowCount?: number } | undefined)?.rowCount ?? 0;
}

/** Runs work in one transaction; what use cases receive instead of the database. */
export interface Transactor {
  run<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

export function createTransactor(db: Database): Transactor {
  return { run: (work) => db.transaction((tx) => work(tx)) };
}
