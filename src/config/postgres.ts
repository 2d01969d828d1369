import type { EnvReader } from "./env.js";

/** The record: Postgres. */
export interface PostgresConfig {
  url: string;
  /** Most connections this process opens. */
  poolMax: number;
  /** Apply pending migrations at start. */
  migrateOnStart: boolean;
}

/** DATABASE_URL, required or not (the CLI's commands that need none run without it). */
export function readDatabaseUrl(env: EnvReader, required: boolean): string | null {
  return env.url("DATABASE_URL", ["postgres:", "postgresql:"], required);
}

export function readPostgres(env: EnvReader): PostgresConfig {
  return {
    url: readDatabaseUrl(env, true) ?? "",
    poolMax: env.int("DATABASE_POOL_MAX", 10, 2, 1000),
    migrateOnStart: env.bool("MIGRATE_ON_START", true),
  };
}
