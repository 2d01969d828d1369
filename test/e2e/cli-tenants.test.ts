import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { Code, ConnectError } from "@connectrpc/connect";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, expect, it } from "vitest";
import { NotificationService } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald, userTokenSecret } from "../helpers/herald.js";
import { waitFor } from "../helpers/wait.js";

const root = path.resolve(import.meta.dirname, "../..");
let herald: TestHerald;

// Each call is one short process; the budget is for a busy machine.
async function herald_(args: string[]): Promise<string> {
  const env = { ...process.env, DATABASE_URL: herald.db.url, HERALD_USER_TOKEN_SECRET: userTokenSecret };
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(root, "bin/herald.mjs"), ...args], {
    env,
    timeout: 60_000,
  });
  return stdout;
}

beforeAll(async () => {
  herald = await startHerald();
}, 120_000);
afterAll(() => herald.close());

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => ConnectError.from(e).code,
  );

it("herald tenants create|list|get|delete, keys --tenant and token --tenant", async () => {
  expect(await herald_(["tenants", "create", "globex", "--name", "Globex Corp"])).toContain(
    'created tenant globex "Globex Corp"',
  );
  await expect(herald_(["tenants", "create", "globex"])).rejects.toThrow(/exists/);
  await expect(herald_(["tenants", "create", "Not_An_Id"])).rejects.toThrow(/id/);
  expect(await herald_(["tenants", "list"])).toMatch(/^globex\tGlobex Corp\tcreated /m);
  const shown = JSON.parse(await herald_(["tenants", "get", "globex"])) as { id: string; name: string };
  expect(shown).toMatchObject({ id: "globex", name: "Globex Corp" });

  const created = await herald_([
    "keys",
    "create",
    "--name",
    "globex-backend",
    "--scopes",
    "read",
    "--tenant",
    "globex",
  ]);
  expect(created).toContain('"globex-backend" of tenant globex with scopes read');
  const key = /key \(shown only now\): (hk_\S+)/.exec(created)?.[1] as string;
  const id = key.split("_")[1] as string;
  expect(await herald_(["keys", "list", "--tenant", "globex"])).toMatch(
    new RegExp(`^${id}\\tglobex-backend\\tread\\tactive\\tlast used never\\ttenant globex$`, "m"),
  );
  expect(await herald_(["keys", "list", "--tenant", "default"])).not.toContain(id);
  await expect(
    herald_(["keys", "create", "--name", "x", "--scopes", "super_admin", "--tenant", "globex"]),
  ).rejects.toThrow(/super_admin/);
  await expect(herald_(["keys", "create", "--name", "x", "--tenant", "nowhere"])).rejects.toThrow(/nowhere/);

  // The token carries the tenant; this server learns of the CLI's tenant with its next reload.
  const token = (await herald_(["token", "gina", "--tenant", "globex"])).trim();
  expect(decodeJwt(token)).toMatchObject({ sub: "gina", tenant: "globex" });
  expect(decodeJwt((await herald_(["token", "gina"])).trim()).tenant).toBeUndefined();
  const inbox = serviceClient(NotificationService, herald.url, token);
  await waitFor(async () => (await codeOf(inbox.list({}))) === null, 15_000, "the server to know tenant globex");

  await expect(herald_(["tenants", "delete", "globex"])).rejects.toThrow(/live API key/);
  await herald_(["keys", "revoke", id]);
  expect(await herald_(["tenants", "delete", "globex"])).toContain("deleted tenant globex");
  await expect(herald_(["tenants", "get", "globex"])).rejects.toThrow(/no tenant/);
  await expect(herald_(["tenants", "delete", "default"])).rejects.toThrow(/default/);
  await waitFor(
    async () => (await codeOf(inbox.list({}))) === Code.Unauthenticated,
    15_000,
    "the server to refuse the deleted tenant's token",
  );
}, 300_000);
