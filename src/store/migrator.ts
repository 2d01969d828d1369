import { createRequire } from "node:module";
import { Sequelize, type Transaction } from "sequelize";
import { type MigrationFn, Umzug, type UmzugStorage } from "umzug";
import * as initialSchema from "./migrations/0001-initial-schema.js";
import * as dispatch from "./migrations/0002-dispatch.js";
import * as outboxTraceContext from "./migrations/0003-outbox-trace-context.js";
import * as userTokenRevocations from "./migrations/0004-user-token-revocations.js";
import * as feedLog from "./migrations/0005-feed-log.js";
import * as channels from "./migrations/0006-channels.js";
import * as attemptProvider from "./migrations/0007-attempt-provider.js";
import * as fasterSend from "./migrations/0008-faster-send.js";
import * as workflows from "./migrations/0009-workflows.js";
import * as operatorConsole from "./migrations/0010-operator-console.js";
import * as topics from "./migrations/0011-topics.js";
import * as fanouts from "./migrations/0012-fanouts.js";
import * as tenants from "./migrations/0013-tenants.js";
import * as tenantFeedAppend from "./migrations/0014-tenant-feed-append.js";
import * as fairOutbox from "./migrations/0015-fair-outbox.js";
import * as webpush from "./migrations/0016-webpush.js";
import * as eventLog from "./migrations/0017-event-log.js";
import * as inboxSeen from "./migrations/0018-inbox-seen.js";
import * as notificationUpdates from "./migrations/0019-notification-updates.js";
import * as snoozeExpiry from "./migrations/0020-snooze-expiry.js";
import * as tagsActions from "./migrations/0021-tags-actions.js";
import * as webhookOps from "./migrations/0022-webhook-ops.js";
import * as webhookEvents from "./migrations/0023-webhook-events.js";

// The same pg module the rest of Herald uses (see database.ts for why require).
const pg = createRequire(import.meta.url)("pg") as typeof import("pg");

/** What a migration runs its SQL on: the migration's transaction. */
export interface MigrationContext {
  query(sql: string): Promise<unknown>;
}
export type Migration = MigrationFn<MigrationContext>;

// Listed, not globbed, so the same list works from TypeScript sources and from
// the compiled dist/ build. Append new migrations; never edit applied ones.
const migrations = [
  { name: "0001-initial-schema", ...initialSchema },
  { name: "0002-dispatch", ...dispatch },
  { name: "0003-outbox-trace-context", ...outboxTraceContext },
  { name: "0004-user-token-revocations", ...userTokenRevocations },
  { name: "0005-feed-log", ...feedLog },
  { name: "0006-channels", ...channels },
  { name: "0007-attempt-provider", ...attemptProvider },
  { name: "0008-faster-send", ...fasterSend },
  { name: "0009-workflows", ...workflows },
  { name: "0010-operator-console", ...operatorConsole },
  { name: "0011-topics", ...topics },
  { name: "0012-fanouts", ...fanouts },
  { name: "0013-tenants", ...tenants },
  { name: "0014-tenant-feed-append", ...tenantFeedAppend },
  { name: "0015-fair-outbox", ...fairOutbox },
  { name: "0016-webpush", ...webpush },
  { name: "0017-event-log", ...eventLog },
  { name: "0018-inbox-seen", ...inboxSeen },
  { name: "0019-notification-updates", ...notificationUpdates },
  { name: "0020-snooze-expiry", ...snoozeExpiry },
  { name: "0021-tags-actions", ...tagsActions },
  { name: "0022-webhook-ops", ...webhookOps },
  { name: "0023-webhook-events", ...webhookEvents },
];

/** Which migrations ran, in `herald_migrations` (the table umzug's SequelizeStorage made; same shape). */
function storageIn(sequelize: Sequelize, transaction: Transaction): UmzugStorage<MigrationContext> {
  const run = (sql: string, bind: unknown[] = []) => sequelize.query(sql, { transaction, bind, raw: true });
  return {
    async executed() {
      await run('CREATE TABLE IF NOT EXISTS herald_migrations ("name" varchar(255) PRIMARY KEY)');
      const [rows] = await run('SELECT "name" FROM herald_migrations ORDER BY "name"');
      return (rows as Array<{ name: string }>).map((r) => r.name);
    },
    async logMigration({ name }) {
      await run('INSERT INTO herald_migrations ("name") VALUES ($1)', [name]);
    },
    async unlogMigration({ name }) {
      await run('DELETE FROM herald_migrations WHERE "name" = $1', [name]);
    },
  };
}

/**
 * Applies pending migrations and returns their names. Sequelize runs them,
 * through its public API: one transaction holds a Postgres advisory lock (so
 * concurrent starts of several processes apply each migration once), the
 * migrations and their record; Postgres DDL is transactional, so a failed
 * migration leaves nothing half done.
 */
export async function migrate(url: string): Promise<string[]> {
  const sequelize = new Sequelize(url, { dialect: "postgres", dialectModule: pg, logging: false, pool: { max: 1 } });
  // Any 64-bit constant unique to Herald; taken by whichever process starts first.
  const lockKey = 0x68657261;
  try {
    return await sequelize.transaction(async (transaction) => {
      await sequelize.query(`SELECT pg_advisory_xact_lock(${lockKey})`, { transaction });
      const umzug = new Umzug<MigrationContext>({
        migrations,
        context: { query: (sql) => sequelize.query(sql, { transaction, raw: true }) },
        storage: storageIn(sequelize, transaction),
        logger: undefined,
      });
      return (await umzug.up()).map((m) => m.name);
    });
  } finally {
    await sequelize.close();
  }
}
