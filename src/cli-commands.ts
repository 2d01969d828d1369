import { parseArgs } from "node:util";
import { mintUserToken } from "./auth/user-tokens.js";
import { loadConfig, readUserTokenMaxTtlMs } from "./config.js";
import { allScopes, isScope, type Scope } from "./domain/principal.js";
import { serve } from "./serve.js";
import { createDatabase } from "./store/database.js";
import { migrate } from "./store/migrator.js";
import type { Tracing } from "./telemetry/tracing.js";
import { createManageApiKeys } from "./usecases/manage-api-keys.js";

/** Reads only what a command needs, so `herald keys` works without NATS settings. */
function databaseConfig() {
  const env = { NATS_URL: "nats://unused", ...process.env };
  return loadConfig(env);
}

/** Opens the database, brings its schema up to date, runs `work`, and closes it. */
async function withDatabase<T>(work: (db: ReturnType<typeof createDatabase>) => Promise<T>): Promise<T> {
  const config = databaseConfig();
  await migrate(config.databaseUrl);
  const db = createDatabase({ url: config.databaseUrl, poolMax: 2 });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

function parseScopes(raw: string): Scope[] {
  const scopes = raw.split(",").map((s) => s.trim());
  const bad = scopes.filter((s) => !isScope(s));
  if (bad.length > 0) throw new Error(`unknown scope(s) ${bad.join(", ")}; known: ${allScopes.join(", ")}`);
  return scopes as Scope[];
}

/** Runs one `herald` command (see cli.ts for the usage text). */
export async function runCli(argv: string[], options: { usage: string; tracing: Tracing | null }): Promise<void> {
  const [command = "serve", sub, ...rest] = argv;
  if (command === "serve") {
    await serve({ tracing: options.tracing });
    return;
  }
  if (command === "migrate") {
    const applied = await migrate(databaseConfig().databaseUrl);
    console.log(applied.length === 0 ? "database is up to date" : `applied: ${applied.join(", ")}`);
    return;
  }
  if (command === "keys") {
    const keysCli = (db: ReturnType<typeof createDatabase>) => createManageApiKeys({ db });
    if (sub === "create") {
      const { values } = parseArgs({ args: rest, options: { name: { type: "string" }, scopes: { type: "string" } } });
      const scopes = parseScopes(values.scopes ?? "send,read");
      const { key, record } = await withDatabase((db) => keysCli(db).create(values.name ?? "", scopes));
      console.log(`created API key ${record.id} "${record.name}" with scopes ${record.scopes.join(",")}`);
      console.log(`key (shown only now): ${key}`);
      return;
    }
    if (sub === "list") {
      const keys = await withDatabase((db) => keysCli(db).list());
      for (const k of keys) {
        const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : "active";
        const used = k.lastUsedAt ? k.lastUsedAt.toISOString() : "never";
        console.log(`${k.id}\t${k.name}\t${k.scopes.join(",")}\t${state}\tlast used ${used}`);
      }
      return;
    }
    if (sub === "revoke" && rest[0] !== undefined) {
      const id = rest[0];
      await withDatabase((db) => keysCli(db).revoke(id));
      console.log(`revoked ${id}`);
      return;
    }
  }
  if (command === "token" && sub !== undefined) {
    const { values } = parseArgs({ args: rest, options: { ttl: { type: "string" } } });
    const secret = process.env.HERALD_USER_TOKEN_SECRET;
    if (!secret) throw new Error("HERALD_USER_TOKEN_SECRET is not set");
    const ttl = Number(values.ttl ?? 3600);
    const maxTtl = readUserTokenMaxTtlMs() / 1000;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > maxTtl) {
      throw new Error(
        `--ttl must be 1 to ${maxTtl} seconds (HERALD_USER_TOKEN_MAX_TTL); Herald refuses longer-lived tokens`,
      );
    }
    console.log(await mintUserToken(secret, sub, { ttlSeconds: ttl }));
    return;
  }
  console.error(options.usage);
  process.exitCode = 2;
}
