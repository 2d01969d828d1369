import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { NotificationService } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { TenantService } from "../../gen/ts/herald/v1/tenant_service_pb.js";
import { tenantOwnedTables } from "../../src/store/tenant-store.js";
import { serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald, uniquePrefix } from "../helpers/herald.js";
import { waitFor } from "../helpers/wait.js";

type TenantClient = ReturnType<typeof serviceClient<typeof TenantService>>;

let herald: TestHerald;
let second: TestHerald;
let superAdmin: TenantClient;
let admin: TenantClient;

beforeAll(async () => {
  const natsPrefix = uniquePrefix();
  herald = await startHerald({ natsPrefix });
  second = await startHerald({ db: herald.db, natsPrefix });
  superAdmin = serviceClient(TenantService, herald.url, await herald.apiKey(["super_admin"], "root"));
  admin = serviceClient(TenantService, herald.url, await herald.apiKey(["admin", "send", "read"], "admin"));
}, 180_000);
afterAll(async () => {
  await second?.close();
  await herald?.close();
});

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => ConnectError.from(e),
  );

const secretSettings = {
  defaultPreferences: [{ category: "marketing", channel: Channel.EMAIL, enabled: false }],
  requiredCategories: ["security"],
  email: {
    fromAddress: "Acme <no-reply@acme.example>",
    replyTo: "help@acme.example",
    branding: { logoUrl: "https://acme.example/logo.png", primaryColor: "#ff6600", footerText: "Acme Inc." },
  },
  providers: {
    smtp: { url: "smtp://mailer:s3cret@smtp.acme.example:587" },
    twilio: { accountSid: `AC${"0".repeat(32)}`, authToken: "tw-token", from: "+15551234567" },
  },
  limits: { requestsPerSecond: 50, notificationsPerDay: 10_000, fanoutsInFlight: 2 },
};

describe("TenantService: who may call it", () => {
  it("refuses admin without super_admin, and user tokens, with PERMISSION_DENIED", async () => {
    await herald.tenant("scoped");
    const user = serviceClient(TenantService, herald.url, await herald.userToken("ursula"));
    const calls = (c: TenantClient): Array<() => Promise<unknown>> => [
      () => c.createTenant({ id: "nope", name: "Nope" }),
      () => c.getTenant({ id: "scoped" }),
      () => c.listTenants({}),
      () => c.updateTenant({ id: "scoped", name: "x", updateMask: { paths: ["name"] } }),
      () => c.deleteTenant({ id: "scoped" }),
      () => c.createTenantApiKey({ tenantId: "scoped", name: "k", scopes: ["send"] }),
      () => c.listTenantApiKeys({ tenantId: "scoped" }),
      () => c.revokeTenantApiKey({ tenantId: "scoped", keyId: "x" }),
    ];
    for (const client of [admin, user]) {
      for (const call of calls(client)) expect((await errorOf(call()))?.code).toBe(Code.PermissionDenied);
    }
    expect((await herald.db.query("SELECT 1 FROM tenants WHERE id = 'nope'")).length).toBe(0);
  });

  it("never gives super_admin to a key of another tenant", async () => {
    await herald.tenant("other");
    await expect(herald.apiKey(["super_admin"], "k", "other")).rejects.toThrow(/super_admin/);
    const err = await errorOf(superAdmin.createTenantApiKey({ tenantId: "other", name: "k", scopes: ["super_admin"] }));
    expect(err?.code).toBe(Code.InvalidArgument);
    expect(err?.rawMessage).toContain("scopes");
    // Even a key of another tenant that somehow held every other scope cannot call it.
    const otherAdmin = serviceClient(TenantService, herald.url, await herald.apiKey(["admin"], "a", "other"));
    expect((await errorOf(otherAdmin.listTenants({})))?.code).toBe(Code.PermissionDenied);
  });
});

describe("TenantService: tenants", () => {
  it("creates, gets, lists, updates a tenant; secrets are write-only", async () => {
    const { tenant } = await superAdmin.createTenant({ id: "acme", name: "Acme", settings: secretSettings });
    expect(tenant).toMatchObject({ id: "acme", name: "Acme" });
    expect(tenant?.settings?.providers?.smtp).toMatchObject({
      url: "smtp://mailer@smtp.acme.example:587",
      hasPassword: true,
    });
    expect(tenant?.settings?.providers?.twilio).toMatchObject({ authToken: "", hasAuthToken: true });
    const got = (await superAdmin.getTenant({ id: "acme" })).tenant;
    const text = JSON.stringify(got, (_k, v) => (typeof v === "bigint" ? String(v) : v));
    expect(text).not.toContain("s3cret");
    expect(text).not.toContain("tw-token");
    const listed = (await superAdmin.listTenants({})).tenants.find((t) => t.id === "acme");
    expect(listed?.settings?.providers?.smtp?.url).not.toContain("s3cret");
    expect(got?.settings?.limits).toMatchObject({ requestsPerSecond: 50, notificationsPerDay: 10_000 });
    expect(got?.settings?.email?.branding?.primaryColor).toBe("#ff6600");
    expect(got?.settings?.defaultPreferences[0]).toMatchObject({ category: "marketing", enabled: false });

    expect((await errorOf(superAdmin.createTenant({ id: "acme", name: "Again" })))?.code).toBe(Code.AlreadyExists);
    expect((await errorOf(superAdmin.getTenant({ id: "ghost" })))?.code).toBe(Code.NotFound);

    // Name only: the settings stay.
    const renamed = await superAdmin.updateTenant({ id: "acme", name: "Acme Inc", updateMask: { paths: ["name"] } });
    expect(renamed.tenant?.name).toBe("Acme Inc");
    expect(renamed.tenant?.settings?.providers?.smtp?.hasPassword).toBe(true);

    // Settings replaced whole; secrets left empty for the same accounts are kept.
    const replaced = await superAdmin.updateTenant({
      id: "acme",
      settings: {
        ...secretSettings,
        providers: {
          smtp: { url: "smtp://mailer@smtp.acme.example:587" },
          twilio: { ...secretSettings.providers.twilio, authToken: "" },
        },
        requiredCategories: [],
      },
      updateMask: { paths: ["settings"] },
    });
    expect(replaced.tenant?.settings?.requiredCategories).toEqual([]);
    const [stored] = await herald.db.query<{ settings: { providers: { smtp: { url: string }; twilio: object } } }>(
      "SELECT settings FROM tenants WHERE id = 'acme'",
    );
    expect(stored?.settings.providers.smtp.url).toContain("s3cret");
    expect(stored?.settings.providers.twilio).toMatchObject({ authToken: "tw-token" });

    // Unset settings clear them.
    const cleared = await superAdmin.updateTenant({ id: "acme", updateMask: { paths: ["settings"] } });
    expect(cleared.tenant?.settings?.providers?.smtp).toBeUndefined();
    expect(cleared.tenant?.settings?.limits?.requestsPerSecond).toBe(0);

    expect((await errorOf(superAdmin.updateTenant({ id: "acme", updateMask: { paths: ["id"] } })))?.code).toBe(
      Code.InvalidArgument,
    );
    expect(
      (await errorOf(superAdmin.updateTenant({ id: "ghost", name: "x", updateMask: { paths: ["name"] } })))?.code,
    ).toBe(Code.NotFound);
  });

  it("pages through tenants by id", async () => {
    for (const id of ["page-a", "page-b", "page-c"]) await superAdmin.createTenant({ id, name: id });
    const seen: string[] = [];
    let token = "";
    for (let i = 0; i < 50; i++) {
      const page = await superAdmin.listTenants({ pageSize: 2, pageToken: token });
      expect(page.tenants.length).toBeLessThanOrEqual(2);
      seen.push(...page.tenants.map((t) => t.id));
      token = page.nextPageToken;
      if (token === "") break;
    }
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(expect.arrayContaining(["default", "page-a", "page-b", "page-c"]));
    expect((await errorOf(superAdmin.listTenants({ pageToken: "bogus" })))?.rawMessage).toContain("page_token");
    expect((await errorOf(superAdmin.listTenants({ pageSize: 501 })))?.rawMessage).toContain("page_size");
  });

  it("names the field of every validation error", async () => {
    const cases: Array<[Parameters<TenantClient["createTenant"]>[0], string]> = [
      [{ id: "Bad_Id", name: "x" }, "id"],
      [{ id: "-lead", name: "x" }, "id"],
      [{ id: "ok", name: "" }, "name"],
      [{ id: "ok", name: "x", settings: { email: { fromAddress: "not an address" } } }, "settings.email.from_address"],
      [{ id: "ok", name: "x", settings: { email: { branding: { primaryColor: "red" } } } }, "primary_color"],
      [{ id: "ok", name: "x", settings: { email: { branding: { logoUrl: "http://x.example/l.png" } } } }, "logo_url"],
      [{ id: "ok", name: "x", settings: { providers: { smtp: { url: "https://x.example" } } } }, "providers.smtp.url"],
      [
        {
          id: "ok",
          name: "x",
          settings: { providers: { twilio: { accountSid: "AC1", authToken: "t", from: "+1555" } } },
        },
        "account_sid",
      ],
      [{ id: "ok", name: "x", settings: { limits: { fanoutsInFlight: 5000 } } }, "fanouts_in_flight"],
      [{ id: "ok", name: "x", settings: { requiredCategories: ["Bad Category"] } }, "required_categories"],
      [
        {
          id: "ok",
          name: "x",
          settings: {
            defaultPreferences: [
              { category: "a", channel: Channel.EMAIL, enabled: true },
              { category: "a", channel: Channel.EMAIL, enabled: false },
            ],
          },
        },
        "default_preferences[1]",
      ],
    ];
    for (const [request, field] of cases) {
      const err = await errorOf(superAdmin.createTenant(request));
      expect(err?.code, field).toBe(Code.InvalidArgument);
      expect(err?.rawMessage, field).toContain(field);
    }
    expect((await herald.db.query("SELECT 1 FROM tenants WHERE id = 'ok'")).length).toBe(0);
  });
});

describe("TenantService: keys of tenants", () => {
  it("creates a key shown once, lists and revokes it; another tenant's key answers as unknown", async () => {
    await superAdmin.createTenant({ id: "keyed", name: "Keyed" });
    const created = await superAdmin.createTenantApiKey({
      tenantId: "keyed",
      name: "first",
      scopes: ["admin", "send"],
    });
    expect(created.key).toMatch(/^hk_/);
    expect(created.apiKey).toMatchObject({ tenantId: "keyed", name: "first", scopes: ["admin", "send"] });
    const listed = await superAdmin.listTenantApiKeys({ tenantId: "keyed" });
    expect(listed.apiKeys.map((k) => k.id)).toEqual([created.apiKey?.id]);
    expect(JSON.stringify(listed, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain(
      created.key.split("_")[2],
    );

    const bad = await errorOf(superAdmin.createTenantApiKey({ tenantId: "keyed", name: "k", scopes: ["root"] }));
    expect(bad?.rawMessage).toContain("scopes");
    expect(
      (await errorOf(superAdmin.createTenantApiKey({ tenantId: "ghost", name: "k", scopes: ["send"] })))?.code,
    ).toBe(Code.NotFound);
    expect((await errorOf(superAdmin.listTenantApiKeys({ tenantId: "ghost" })))?.code).toBe(Code.NotFound);

    const id = created.apiKey?.id as string;
    const wrongTenant = await errorOf(superAdmin.revokeTenantApiKey({ tenantId: "default", keyId: id }));
    expect(wrongTenant?.code).toBe(Code.NotFound);
    await superAdmin.revokeTenantApiKey({ tenantId: "keyed", keyId: id });
    expect((await superAdmin.listTenantApiKeys({ tenantId: "keyed" })).apiKeys[0]?.revokeTime).toBeDefined();
    expect((await errorOf(superAdmin.revokeTenantApiKey({ tenantId: "keyed", keyId: id })))?.code).toBe(Code.NotFound);
  });
});

describe("TenantService: deleting a tenant", () => {
  it("refuses the default tenant and a tenant with live keys; then deletes every row of it and nothing else", async () => {
    const err = await errorOf(superAdmin.deleteTenant({ id: "default" }));
    expect(err?.code).toBe(Code.InvalidArgument);
    expect(err?.rawMessage).toContain("id");
    expect((await errorOf(superAdmin.deleteTenant({ id: "ghost" })))?.code).toBe(Code.NotFound);

    await superAdmin.createTenant({ id: "doomed", name: "Doomed" });
    const { apiKey } = await superAdmin.createTenantApiKey({ tenantId: "doomed", name: "k", scopes: ["send"] });
    for (const tenant of ["doomed", "default"]) {
      await herald.db.query("INSERT INTO recipients (tenant_id, user_id) VALUES ($1, 'dana')", [tenant]);
      await herald.db.query("INSERT INTO topics (tenant_id, key, name) VALUES ($1, 'deleted.topic', 'T')", [tenant]);
    }
    const live = await errorOf(superAdmin.deleteTenant({ id: "doomed" }));
    expect(live?.code).toBe(Code.FailedPrecondition);
    expect(live?.rawMessage).toContain("live API key");
    expect((await herald.db.query("SELECT 1 FROM recipients WHERE tenant_id = 'doomed'")).length).toBe(1);

    await superAdmin.revokeTenantApiKey({ tenantId: "doomed", keyId: apiKey?.id as string });
    await superAdmin.deleteTenant({ id: "doomed" });
    expect((await errorOf(superAdmin.getTenant({ id: "doomed" })))?.code).toBe(Code.NotFound);
    for (const table of ["recipients", "topics", "api_keys"]) {
      expect((await herald.db.query(`SELECT 1 FROM ${table} WHERE tenant_id = 'doomed'`)).length, table).toBe(0);
    }
    expect(
      (await herald.db.query("SELECT 1 FROM recipients WHERE tenant_id = 'default' AND user_id = 'dana'")).length,
    ).toBe(1);
    expect(
      (await herald.db.query("SELECT 1 FROM topics WHERE tenant_id = 'default' AND key = 'deleted.topic'")).length,
    ).toBe(1);
    expect((await errorOf(superAdmin.deleteTenant({ id: "doomed" })))?.code).toBe(Code.NotFound);
  });
});

describe("DeleteTenant's table list", () => {
  it("names every table with a tenant_id, and every table referencing one either is in it or cascades", async () => {
    const withTenant = await herald.db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.columns WHERE column_name = 'tenant_id' AND table_schema = 'public'",
    );
    expect([...tenantOwnedTables].sort()).toEqual(withTenant.map((r) => r.table_name).sort());
    const refs = await herald.db.query<{ child: string; parent: string; cascades: boolean }>(
      `SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent, c.confdeltype = 'c' AS cascades
       FROM pg_constraint c WHERE c.contype = 'f'`,
    );
    const owned = new Set<string>(tenantOwnedTables);
    const orphaning = refs.filter((r) => owned.has(r.parent) && !owned.has(r.child) && !r.cascades);
    expect(orphaning).toEqual([]);
  });
});

describe("TenantService: across processes", () => {
  it("a tenant made in one process is accepted by another within moments; once deleted, its tokens and keys are refused", async () => {
    await superAdmin.createTenant({ id: "roaming", name: "Roaming" });
    const token = await herald.userToken("rita", { tenant: "roaming" });
    const { key, apiKey } = await superAdmin.createTenantApiKey({ tenantId: "roaming", name: "k", scopes: ["read"] });
    const listHere = () => serviceClient(NotificationService, herald.url, token).list({});
    const listThere = (credential: string) => serviceClient(NotificationService, second.url, credential).list({});
    await listHere(); // known here at once
    await waitFor(
      async () => (await errorOf(listThere(token))) === null,
      10_000,
      "the second process to accept the new tenant's user token",
    );
    // API keys are read from the database: the second process knows the new key at once.
    expect((await errorOf(listThere(key)))?.code).not.toBe(Code.Unauthenticated);

    await superAdmin.revokeTenantApiKey({ tenantId: "roaming", keyId: apiKey?.id as string });
    await superAdmin.deleteTenant({ id: "roaming" });
    expect((await errorOf(listHere()))?.code).toBe(Code.Unauthenticated);
    await waitFor(
      async () => (await errorOf(listThere(token)))?.code === Code.Unauthenticated,
      10_000,
      "the second process to refuse the deleted tenant's user token",
    );
    expect((await errorOf(listThere(key)))?.code).toBe(Code.Unauthenticated);
  });
});
