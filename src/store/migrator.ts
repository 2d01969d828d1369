import { type MigrationFn, SequelizeStorage, Umzug } from "umzug";
import type { Database } from "./database.js";
import * as initialSchema from "./migrations/0001-initial-schema.js";
import * as dispatch from "./migrations/0002-dispatch.js";
import * as outboxTraceContext from "./migrations/0003-outbox-trace-context.js";
import * as userTokenRevocations from "./migrations/0004-user-token-revocations.js";

export type Migration = MigrationFn<Database>;

// Listed, not globbed, so the same list works from TypeScript sources and from
// the compiled dist/ build. Append new migrations; never edit applied ones.
const migrations = [
  { name: "0001-initial-schema", ...initialSchema },
  { name: "0002-dispatch", ...dispatch },
  { name: "0003-outbox-trace-context", ...outboxTraceContext },
  { name: "0004-user-token-revocations", ...userTokenRevocations },
];

/**
 * Versioned migrations, recorded in the `herald_migrations` table. A Postgres
 * advisory lock serialises concurrent starts of several Herald processes.
 */
export function createMigrator(db: Database): Umzug<Database> {
  return new Umzug({
    migrations,
    context: db,
    storage: new SequelizeStorage({ sequelize: db, tableName: "herald_migrations" }),
    logger: undefined,
  });
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(db: Database): Promise<string[]> {
  // Any 64-bit constant unique to Herald; taken by whichever process starts first.
  const lockKey = 0x68657261;
  const connection = await db.connectionManager.getConnection({ type: "write" });
  const client = connection as unknown as { query: (sql: string) => Promise<unknown> };
  try {
    await client.query(`SELECT pg_advisory_lock(${lockKey})`);
    const applied = await createMigrator(db).up();
    return applied.map((m) => m.name);
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${lockKey})`).catch(() => undefined);
    db.connectionManager.releaseConnection(connection);
  }
}
