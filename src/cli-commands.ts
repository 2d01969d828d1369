import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadCliConfig, readUserTokenMaxTtlMs } from "./config/cli.js";
import { allScopes, isScope, type Principal, Scope } from "./domain/principal.js";
import { defaultTenant, isTenantId } from "./domain/tenant.js";
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

/**
 * The CLI acts as a super admin: whoever can run it holds DATABASE_URL.
 * Other processes learn of its tenant changes with their next reload of the
 * tenant list (within 5 s): it has no NATS connection to announce them.
 */
const cliPrincipal: Principal = {
  kind: "operator",
  tenantId: defaultTenant,
  subject: "herald-cli",
  name: "herald CLI",
  scopes: [Scope.superAdmin],
};

async function manageTenants(db: Database) {
  const { createManageTenants } = await import("./usecases/manage-tenants.js");
  return createManageTenants({ db, changed: async () => undefined });
}

function tenantOption(raw: string | undefined): string {
  const tenant = raw ?? defaultTenant;
  if (!isTenantId(tenant)) throw new Error(`--tenant: "${tenant}" is no tenant id (^[a-z0-9][a-z0-9-]{0,62}$)`);
  return tenant;
}

/** `herald tenants …` */
async function tenantsCommand(sub: string | undefined, rest: string[]): Promise<boolean> {
  if (sub === "create" && rest[0] !== undefined) {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { name: { type: "string" } },
      allowPositionals: true,
    });
    const id = positionals[0] as string;
    const tenant = await withDatabase(async (db) =>
      (await manageTenants(db)).create(cliPrincipal, { id, name: values.name ?? id, settings: null }),
    );
    console.log(`created tenant ${tenant.id} "${tenant.name}"`);
    return true;
  }
  if (sub === "list") {
    await withDatabase(async (db) => {
      const tenants = await manageTenants(db);
      let token = "";
      // Bounded: 500 per page, at most 2,000 pages.
      for (let page = 0; page < 2_000; page++) {
        const { tenants: rows, nextPageToken } = await tenants.list(cliPrincipal, { size: 500, token });
        for (const t of rows) console.log(`${t.id}\t${t.name}\tcreated ${t.createdAt.toISOString()}`);
        token = nextPageToken;
        if (token === "") break;
      }
    });
    return true;
  }
  if (sub === "get" && rest[0] !== undefined) {
    const id = rest[0];
    const tenant = await withDatabase(async (db) => (await manageTenants(db)).get(cliPrincipal, id));
    const { maskTenantSettings } = await import("./domain/tenant-settings.js");
    console.log(JSON.stringify({ ...tenant, settings: maskTenantSettings(tenant.settings) }, null, 2));
    return true;
  }
  if (sub === "delete" && rest[0] !== undefined) {
    const id = rest[0];
    await withDatabase(async (db) => (await manageTenants(db)).delete(cliPrincipal, id));
    console.log(`deleted tenant ${id} and all its data`);
    return true;
  }
  return false;
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

/**
 * `herald vapid generate`: a new VAPID key pair as lines for an env file. Run
 * once: browsers' subscriptions are bound to the public key, so a new pair
 * orphans every subscription made with the old one.
 */
async function vapidGenerate(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { subject: { type: "string" } } });
  const { checkVapidSubject, generateVapidKeys } = await import("./channels/vapid.js");
  const problem = values.subject === undefined ? null : checkVapidSubject(values.subject, "--subject");
  if (problem !== null) throw new Error(problem);
  const keys = generateVapidKeys();
  console.log("# Web Push (VAPID) keys for Herald: keep them; a new pair orphans existing browser subscriptions.");
  console.log(`WEBPUSH_VAPID_PUBLIC_KEY=${keys.publicKey}`);
  console.log(`WEBPUSH_VAPID_PRIVATE_KEY=${keys.privateKey}`);
  if (values.subject !== undefined) console.log(`WEBPUSH_SUBJECT=${values.subject}`);
  else console.log("# WEBPUSH_SUBJECT=mailto:ops@example.com (who runs this server: a mailto: or https: URL)");
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
  if (command === "tenants" && (await tenantsCommand(sub, rest))) return;
  if (command === "keys") {
    if (sub === "create") {
      const { values } = parseArgs({
        args: rest,
        options: { name: { type: "string" }, scopes: { type: "string" }, tenant: { type: "string" } },
      });
      const scopes = parseScopes(values.scopes ?? "send,read");
      const tenant = tenantOption(values.tenant);
      const { key, record } = await withDatabase(async (db) =>
        (await manageApiKeys(db)).create(values.name ?? "", scopes, tenant),
      );
      const of = tenant === defaultTenant ? "" : ` of tenant ${tenant}`;
      console.log(`created API key ${record.id} "${record.name}"${of} with scopes ${record.scopes.join(",")}`);
      console.log(`key (shown only now): ${key}`);
      return;
    }
    if (sub === "list") {
      const { values } = parseArgs({ args: rest, options: { tenant: { type: "string" } } });
      const tenant = values.tenant === undefined ? null : tenantOption(values.tenant);
      const keys = await withDatabase(async (db) => (await manageApiKeys(db)).list(tenant));
      for (const k of keys) {
        const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : "active";
        const used = k.lastUsedAt ? k.lastUsedAt.toISOString() : "never";
        // Keys of the default tenant print as before tenants (scripts parse these lines).
        const of = k.tenantId === defaultTenant ? "" : `\ttenant ${k.tenantId}`;
        console.log(`${k.id}\t${k.name}\t${k.scopes.join(",")}\t${state}\tlast used ${used}${of}`);
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
  if (command === "vapid" && sub === "generate") {
    await vapidGenerate(rest);
    return;
  }
  if (command === "token" && sub !== undefined) {
    const { values } = parseArgs({ args: rest, options: { ttl: { type: "string" }, tenant: { type: "string" } } });
    const tenant = tenantOption(values.tenant);
    const ttl = Number(values.ttl ?? 3600);
    const maxTtl = readUserTokenMaxTtlMs() / 1000;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > maxTtl) {
      throw new Error(
        `--ttl must be 1 to ${maxTtl} seconds (HERALD_USER_TOKEN_MAX_TTL); Herald refuses longer-lived tokens`,
      );
    }
    const secret = userTokenSecret();
    const { mintUserToken } = await import("./auth/user-tokens.js");
    console.log(await mintUserToken(secret, sub, { ttlSeconds: ttl, tenant }));
    return;
  }
  console.error(options.usage);
  process.exitCode = 2;
}
