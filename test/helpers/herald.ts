import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { inject } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { mintUserToken } from "../../src/auth/user-tokens.js";
import { type Config, loadConfig } from "../../src/config.js";
import type { Clock } from "../../src/domain/clock.js";
import type { Scope } from "../../src/domain/principal.js";
import { createLogger, type Logger } from "../../src/telemetry/logger.js";
import { createManageApiKeys } from "../../src/usecases/manage-api-keys.js";

// Required rather than imported, like src/store/database.ts does, so a test that
// starts tracing first gets the pg instrumentation on this copy of pg too.
const pg = createRequire(import.meta.url)("pg") as typeof import("pg");

export const userTokenSecret = "test-secret-that-is-at-least-32-bytes-long";

export interface TestDatabase {
  url: string;
  name: string;
  /** Runs SQL directly, to check what was (not) written. */
  query<T extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** A fresh, empty database on the shared test Postgres. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `herald_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: inject("postgresUrl") });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = inject("postgresUrl").replace(/\/postgres$/, `/${name}`);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  return {
    url,
    name,
    query: async <T extends object>(sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows as T[],
    close: () => pool.end(),
  };
}

export interface TestHerald {
  app: App;
  config: Config;
  /** Base URL, http://127.0.0.1:<port>. */
  url: string;
  port: number;
  db: TestDatabase;
  /** Creates an API key with these scopes (of the default tenant, or of `tenant`) and returns it. */
  apiKey(scopes: Scope[], name?: string, tenant?: string): Promise<string>;
  /** Mints a user token for this user id (of the default tenant, or of `tenant`). */
  userToken(userId: string, options?: { ttlSeconds?: number; tenant?: string }): Promise<string>;
  /** Makes a tenant with this id (if missing) and makes this process know it at once. */
  tenant(id: string): Promise<void>;
  close(): Promise<void>;
}

export interface StartHeraldOptions {
  /** Reuse this database (for several Herald processes on one Postgres). */
  db?: TestDatabase;
  /** Reuse this NATS subject prefix (for several processes on one NATS). */
  natsPrefix?: string;
  env?: Record<string, string>;
  /** Where logs go (default: a logger at LOG_LEVEL on stdout). */
  logger?: Logger;
  /** Where workflows read the time (default: the system clock). */
  clock?: Clock;
}

/** A NATS prefix no other test file uses. */
export function uniquePrefix(): string {
  return `t${randomBytes(5).toString("hex")}`;
}

/** Builds the environment a Herald for tests runs with. */
export function testEnv(
  db: TestDatabase,
  natsPrefix: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    NATS_URL: inject("natsUrl"),
    NATS_SUBJECT_PREFIX: natsPrefix,
    HERALD_USER_TOKEN_SECRET: userTokenSecret,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    API_KEY_CACHE_TTL_MS: "0",
    FEED_HEARTBEAT_INTERVAL_MS: "1000",
    OUTBOX_RELAY_INTERVAL_MS: "100",
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: "true",
    DELIVERY_RETRY_SCHEDULE: "200ms,400ms,800ms",
    CORS_ALLOWED_ORIGINS: "https://app.example.com",
    SHUTDOWN_TIMEOUT_MS: "2000",
    METRICS_PORT: "0",
    WORKFLOW_TIMER_INTERVAL_MS: "100",
    ...extra,
  };
}

/** Herald in this process, on a real Postgres database and NATS, listening on a free port. */
export async function startHerald(options: StartHeraldOptions = {}): Promise<TestHerald> {
  const db = options.db ?? (await createTestDatabase());
  const config = loadConfig(testEnv(db, options.natsPrefix ?? uniquePrefix(), options.env));
  const app = await createApp(config, options.logger ?? createLogger(config.telemetry.logLevel), {
    ...(options.clock !== undefined && { clock: options.clock }),
  });
  const { port } = await app.listen(0, "127.0.0.1");
  const keys = createManageApiKeys({ db: app.db });
  return {
    app,
    config,
    url: `http://127.0.0.1:${port}`,
    port,
    db,
    apiKey: async (scopes, name = "test", tenant) => (await keys.create(name, scopes, tenant)).key,
    userToken: (userId, o) => mintUserToken(userTokenSecret, userId, o),
    async tenant(id) {
      await app.db.exec("INSERT INTO tenants (id, name) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING", [id]);
      await app.tenants.refresh();
    },
    async close() {
      await app.close();
      if (options.db === undefined) await db.close();
    },
  };
}
