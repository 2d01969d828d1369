import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadCliConfig, readUserTokenMaxTtlMs } from "./config/cli.js";
import { allScopes, isScope, type Scope } from "./domain/principal.js";
import type { Database } from "./store/database.js";
import type { Tracing } from "./telemetry/tracing.js";

// Every module below a command's first line is imported by that command alone:
// `herald token` never loads Postgres drivers, `herald keys` never the server.

/**
 * Opens the database, brings its schema up to date, runs `work` (given the
 * names of the migrations just applied), and closes it.
 */
async function withDatabase<T>(work: (db: Database, applied: string[]) => Promise<T>): Promise<T> {
  const { databaseUrl } = loadCliConfig();
  if (databaseUrl === null) {
    throw new Error("DATABASE_URL is not set (while `npm start` runs, export the DATABASE_URL it printed)");
  }
  const [{ createDatabase }, { migrate }] = await Promise.all([
    import("./store/database.js"),
    import("./store/migrator.js"),
  ]);
  const applied = await migrate(databaseUrl);
  const db = createDatabase({ url: databaseUrl, poolMax: 2 });
  try {
    return await work(db, applied);
  } finally {
    await db.close();
  }
}

async function manageApiKeys(db: Database) {
  const { createManageApiKeys } = await import("./usecases/manage-api-keys.js");
  return createManageApiKeys({ db });
}

function parseScopes(raw: string): Scope[] {
  const scopes = raw.split(",").map((s) => s.trim());
  const bad = scopes.filter((s) => !isScope(s));
  if (bad.length > 0) throw new Error(`unknown scope(s) ${bad.join(", ")}; known: ${allScopes.join(", ")}`);
  return scopes as Scope[];
}

/**
 * HERALD_USER_TOKEN_SECRET, or else the development secret `npm start` keeps
 * in the `.herald/` folder of the checkout this command runs from; says on
 * stderr which one it used, since a token signed with the wrong secret fails
 * only later, on the server.
 */
function userTokenSecret(): string {
  const { userTokenSecret: secret } = loadCliConfig();
  if (secret !== null) return secret;
  const file = devSecretsFile();
  if (file === null) {
    throw new Error("HERALD_USER_TOKEN_SECRET is not set (and no `npm start` secret is in this checkout's .herald/)");
  }
  const dev = (JSON.parse(readFileSync(file, "utf8")) as { userTokenSecret?: unknown }).userTokenSecret;
  if (typeof dev !== "string") throw new Error(`${file} holds no userTokenSecret`);
  console.error(
    `herald: signed with the development secret of \`npm start\` (${file}); HERALD_USER_TOKEN_SECRET is not set`,
  );
  return dev;
}

/**
 * The dev stack's secrets file: in HERALD_DEV_STATE_DIR if set, else in the
 * `.herald/` folder of the package this CLI belongs to (the first folder up
 * from this module that holds a package.json: the checkout).
 */
function devSecretsFile(): string | null {
  const stateDir = process.env.HERALD_DEV_STATE_DIR?.trim();
  if (stateDir) {
    const file = path.resolve(stateDir, "dev-secrets.json");
    return existsSync(file) ? file : null;
  }
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) {
      const file = path.join(dir, ".herald", "dev-secrets.json");
      return existsSync(file) ? file : null;
    }
    if (path.dirname(dir) === dir) return null;
  }
}

/** Runs one `herald` command (see cli.ts for the usage text). */
export async function runCli(argv: string[], options: { usage: string; tracing: Tracing | null }): Promise<void> {
  const [command = "serve", sub, ...rest] = argv;
  if (command === "serve") {
    const { serve } = await import("./serve.js");
    await serve({ tracing: options.tracing });
    return;
  }
  if (command === "migrate") {
    const applied = await withDatabase(async (_db, applied) => applied);
    console.log(applied.length === 0 ? "database is up to date" : `applied: ${applied.join(", ")}`);
    return;
  }
  if (command === "keys") {
    if (sub === "create") {
      const { values } = parseArgs({ args: rest, options: { name: { type: "string" }, scopes: { type: "string" } } });
      const scopes = parseScopes(values.scopes ?? "send,read");
      const { key, record } = await withDatabase(async (db) =>
        (await manageApiKeys(db)).create(values.name ?? "", scopes),
      );
      console.log(`created API key ${record.id} "${record.name}" with scopes ${record.scopes.join(",")}`);
      console.log(`key (shown only now): ${key}`);
      return;
    }
    if (sub === "list") {
      const keys = await withDatabase(async (db) => (await manageApiKeys(db)).list());
      for (const k of keys) {
        const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : "active";
        const used = k.lastUsedAt ? k.lastUsedAt.toISOString() : "never";
        console.log(`${k.id}\t${k.name}\t${k.scopes.join(",")}\t${state}\tlast used ${used}`);
      }
      return;
    }
    if (sub === "revoke" && rest[0] !== undefined) {
      const id = rest[0];
      await withDatabase(async (db) => (await manageApiKeys(db)).revoke(id));
      console.log(`revoked ${id}`);
      return;
    }
  }
  if (command === "token" && sub !== undefined) {
    const { values } = parseArgs({ args: rest, options: { ttl: { type: "string" } } });
    const ttl = Number(values.ttl ?? 3600);
    const maxTtl = readUserTokenMaxTtlMs() / 1000;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > maxTtl) {
      throw new Error(
        `--ttl must be 1 to ${maxTtl} seconds (HERALD_USER_TOKEN_MAX_TTL); Herald refuses longer-lived tokens`,
      );
    }
    const secret = userTokenSecret();
    const { mintUserToken } = await import("./auth/user-tokens.js");
    console.log(await mintUserToken(secret, sub, { ttlSeconds: ttl }));
    return;
  }
  console.error(options.usage);
  process.exitCode = 2;
}
