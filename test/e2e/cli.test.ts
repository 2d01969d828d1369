import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Code, ConnectError } from "@connectrpc/connect";
import { jwtVerify } from "jose";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connectClient } from "../helpers/clients.js";
import {
  createTestDatabase,
  startHerald,
  type TestDatabase,
  type TestHerald,
  userTokenSecret,
} from "../helpers/herald.js";

const root = path.resolve(import.meta.dirname, "../..");
const scratch = mkdtempSync(path.join(os.tmpdir(), "herald-cli-"));
let db: TestDatabase;
let herald: TestHerald;

// Each call is one short process; the budget is for a busy machine, not the
// usual fraction of a second.
async function run(args: string[], env: Record<string, string | undefined> = {}, nodeArgs: string[] = []) {
  const merged: Record<string, string | undefined> = { ...process.env, DATABASE_URL: db.url, ...env };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  return promisify(execFile)(process.execPath, [...nodeArgs, path.join(root, "bin/herald.mjs"), ...args], {
    env: merged as NodeJS.ProcessEnv,
    timeout: 60_000,
  });
}
const herald_ = async (args: string[], env: Record<string, string | undefined> = {}) => (await run(args, env)).stdout;

/** The modules `herald <args>` imports, as URLs. */
async function importsOf(args: string[], env: Record<string, string | undefined> = {}): Promise<string> {
  const log = path.join(scratch, `imports-${args.join("-")}.txt`);
  writeFileSync(log, "");
  const hook = path.join(import.meta.dirname, "fixtures/log-imports.mjs");
  await run(args, { ...env, HERALD_IMPORT_LOG: log }, ["--import", hook]);
  return readFileSync(log, "utf8");
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await herald?.close();
  await db.close();
  rmSync(scratch, { recursive: true, force: true });
});

it("herald migrate, then herald keys create|list|revoke manage working API keys", async () => {
  expect(await herald_(["migrate"])).toMatch(/applied: 0001-initial-schema/);
  expect(await herald_(["migrate"])).toMatch(/up to date/);

  const created = await herald_(["keys", "create", "--name", "billing-service", "--scopes", "send"]);
  const key = /key \(shown only now\): (hk_\S+)/.exec(created)?.[1] as string;
  const id = key.split("_")[1] as string;
  expect(created).toContain(`created API key ${id} "billing-service" with scopes send`);
  const [stored] = await db.query<{ secret_hash: Buffer }>("SELECT secret_hash FROM api_keys WHERE id = $1", [id]);
  expect(stored?.secret_hash.toString("latin1")).not.toContain(key.split("_").slice(2).join("_"));

  const listed = await herald_(["keys", "list"]);
  expect(listed).toMatch(new RegExp(`^${id}\\tbilling-service\\tsend\\tactive\\tlast used never$`, "m"));
  expect(listed).not.toContain(key);

  herald = await startHerald({ db });
  const client = connectClient(herald.url, key);
  await client.send({ userIds: ["u"], category: "cli", title: "t", body: "b" });
  expect(ConnectError.from(await client.list({ userId: "u" }).catch((e: unknown) => e)).code).toBe(
    Code.PermissionDenied,
  );

  expect(await herald_(["keys", "revoke", id])).toContain(`revoked ${id}`);
  expect(await herald_(["keys", "list"])).toMatch(new RegExp(`^${id}\\tbilling-service\\tsend\\trevoked `, "m"));
  const err = await client.send({ userIds: ["u"], category: "cli", title: "t", body: "b" }).catch((e: unknown) => e);
  expect(ConnectError.from(err).code).toBe(Code.Unauthenticated);
  await expect(herald_(["keys", "revoke", id])).rejects.toThrow(/no live API key/);
  await expect(herald_(["keys", "create", "--name", "x", "--scopes", "root"])).rejects.toThrow(/unknown scope/);
  await expect(herald_(["keys", "list"], { DATABASE_URL: undefined })).rejects.toThrow(/DATABASE_URL is not set/);
}, 120_000);

it("herald token mints a user token the server accepts", async () => {
  herald ??= await startHerald({ db });
  const token = (await herald_(["token", "carol"], { HERALD_USER_TOKEN_SECRET: userTokenSecret })).trim();
  const res = await connectClient(herald.url, token).list({});
  expect(res.unreadCount).toBe(0);
  await expect(herald_(["token", "carol"], { HERALD_USER_TOKEN_SECRET: "too-short" })).rejects.toThrow(/32 bytes/);
}, 60_000);

it("herald token takes the secret of `npm start` when none is set, and says so", async () => {
  const stateDir = path.join(scratch, "state");
  const secret = "development-secret-of-npm-start-0123456789";
  rmSync(stateDir, { recursive: true, force: true });
  await expect(
    herald_(["token", "dave"], { HERALD_USER_TOKEN_SECRET: undefined, HERALD_DEV_STATE_DIR: stateDir }),
  ).rejects.toThrow(/HERALD_USER_TOKEN_SECRET is not set/);

  writeFileSync(path.join(scratch, "dev-secrets.json"), JSON.stringify({ apiKey: "hk_x_y", userTokenSecret: secret }));
  const { stdout, stderr } = await run(["token", "dave"], {
    HERALD_USER_TOKEN_SECRET: undefined,
    HERALD_DEV_STATE_DIR: scratch,
  });
  const { payload } = await jwtVerify(stdout.trim(), new TextEncoder().encode(secret));
  expect(payload.sub).toBe("dave");
  expect(stderr).toContain(path.join(scratch, "dev-secrets.json"));
}, 60_000);

it("each command loads only what it needs: no server, no NATS, no database for a token", async () => {
  const token = await importsOf(["token", "erin"], { HERALD_USER_TOKEN_SECRET: userTokenSecret });
  expect(token).toMatch(/\/jose\//);
  for (const heavy of ["sequelize", "/pg/", "@connectrpc", "@grpc/grpc-js", "@nats-io", "@opentelemetry/sdk-node"]) {
    expect(token).not.toContain(heavy);
  }
  const keys = await importsOf(["keys", "list"]);
  expect(keys).toMatch(/\/sequelize\//);
  for (const heavy of ["@connectrpc", "@grpc/grpc-js", "@nats-io", "@opentelemetry/sdk-node"]) {
    expect(keys).not.toContain(heavy);
  }
}, 60_000);
