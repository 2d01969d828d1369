import { readUserTokenMaxTtlMs as readMaxTtl, readUserTokenSecret } from "./auth.js";
import { createEnvReader } from "./env.js";
import { readDatabaseUrl } from "./postgres.js";

type Env = Record<string, string | undefined>;

/** What the `herald` command line reads besides `serve`: each is null when unset. */
export interface CliConfig {
  databaseUrl: string | null;
  userTokenSecret: string | null;
}

/**
 * Only what the command line needs, read and checked by the same section
 * readers the server uses (so a check lives in one place), without the rest of
 * the configuration (no NATS URL needed to list keys).
 */
export function loadCliConfig(env: Env = process.env): CliConfig {
  const reader = createEnvReader(env);
  const config = { databaseUrl: readDatabaseUrl(reader, false), userTokenSecret: readUserTokenSecret(reader) };
  reader.check();
  return config;
}

/** HERALD_USER_TOKEN_MAX_TTL alone, for `herald token`; throws ConfigError if it is bad. */
export function readUserTokenMaxTtlMs(env: Env = process.env): number {
  const reader = createEnvReader(env);
  const ms = readMaxTtl(reader);
  reader.check();
  return ms;
}
