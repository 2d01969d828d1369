import type { EnvReader } from "./env.js";

/** The record: Postgres. */
export interface PostgresConfig {
  url: string;
  /** Most connections this process opens. */
  poolMax: number;
  /** Connections opened at start and kept open while idle (at most poolMax). */
  poolMin: number;
  /** Apply pending migrations at start. */
  migrateOnStart: boolean;
}

/** DATABASE_URL, required or not (the CLI's commands that need none run without it). */
export function readDatabaseUrl(env: EnvReader, required: boolean): string | null {
  return env.url("DATABASE_URL", ["postgres:", "postgresql:"], required);
}

export function readPostgres(env: EnvReader): PostgresConfig {
  const poolMax = env.int("DATABASE_POOL_MAX", 10, 2, 1000);
  // A fixed-size pool by default: a connection opened under a burst costs an
  // authentication round (SCRAM), a cold backend and new prepared statements,
  // which is what made List's tail; kept open, the next burst finds it warm.
  const poolMin = env.int("DATABASE_POOL_MIN", poolMax, 0, 1000);
  if (poolMin > poolMax) {
    env.problems.push(`DATABASE_POOL_MIN must be at most DATABASE_POOL_MAX (${poolMax}), got ${poolMin}`);
  }
  return {
    url: readDatabaseUrl(env, true) ?? "",
    poolMax,
    poolMin,
    migrateOnStart: env.bool("MIGRATE_ON_START", true),
  };
}
