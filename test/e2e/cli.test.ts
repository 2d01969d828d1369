import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { Code, ConnectError } from "@connectrpc/connect";
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
let db: TestDatabase;
let herald: TestHerald;

async function herald_(args: string[], env: Record<string, string> = {}) {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(root, "bin/herald.mjs"), ...args], {
    env: { ...process.env, DATABASE_URL: db.url, ...env },
    timeout: 30_000,
  });
  return stdout;
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await herald?.close();
  await db.close();
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
});

it("herald token mints a user token the server accepts", async () => {
  herald ??= await startHerald({ db });
  const token = (await herald_(["token", "carol"], { HERALD_USER_TOKEN_SECRET: userTokenSecret })).trim();
  const res = await connectClient(herald.url, token).list({});
  expect(res.unreadCount).toBe(0);
});
