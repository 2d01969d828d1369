import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Channel, DeliveryStatus, Priority } from "../../gen/ts/herald/v1/notification_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { TenantService } from "../../gen/ts/herald/v1/tenant_service_pb.js";
import { connectClient, type HeraldClient, serviceClient, workflowClient } from "../helpers/clients.js";
import { settledDeliveries } from "../helpers/deliveries.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp-receiver.js";

// Tenant A ("pa") sets required_categories and default_preferences; tenant B
// ("pb") has no settings and must behave as every tenant did before.
let smtp: SmtpReceiver;
let herald: TestHerald;
let a: HeraldClient;
let b: HeraldClient;
const keys: Record<string, string> = {};
let superAdmin: ReturnType<typeof serviceClient<typeof TenantService>>;

const settingsA = {
  requiredCategories: ["security"],
  defaultPreferences: [{ category: "marketing", channel: Channel.EMAIL, enabled: false }],
};

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  herald = await startHerald({
    env: { SMTP_URL: smtp.url, EMAIL_FROM: "Herald <notify@example.com>", REQUIRED_CATEGORIES: "billing" },
  });
  superAdmin = serviceClient(TenantService, herald.url, await herald.apiKey(["super_admin"], "root"));
  await superAdmin.createTenant({ id: "pa", name: "A", settings: settingsA });
  await herald.tenant("pb");
  for (const [tenant, users] of [
    ["pa", ["alice", "amy", "ann", "ada"]],
    ["pb", ["bert", "bea"]],
  ] as const) {
    const key = await herald.apiKey(["admin", "send", "read"], "k", tenant);
    keys[tenant] = key;
    if (tenant === "pa") a = connectClient(herald.url, key);
    else b = connectClient(herald.url, key);
    const recipients = serviceClient(RecipientService, herald.url, key);
    for (const userId of users) await recipients.upsertRecipient({ userId, email: `${userId}@${tenant}.example` });
  }
  const prefsOf = async (userId: string, tenant: string) =>
    connectClient(herald.url, await herald.userToken(userId, { tenant }));
  // Opted out of security email, in either tenant.
  await (await prefsOf("alice", "pa")).updatePreferences({ categories: { security: { email: false } } });
  await (await prefsOf("bert", "pb")).updatePreferences({ categories: { security: { email: false } } });
  // Opted in to marketing email, against A's default.
  await (await prefsOf("ann", "pa")).updatePreferences({ categories: { marketing: { email: true } } });
  // Email on for everything, by their own default: their choice beats the tenant's default.
  await (await prefsOf("ada", "pa")).updatePreferences({ defaults: { email: true } });
}, 180_000);
afterAll(async () => {
  await herald?.close();
  await smtp?.close();
});
beforeEach(() => smtp.reset());

type Sent = { client: HeraldClient; userId: string };

/** Sends one notification per user (in their tenant) and returns each one's settled email delivery status. */
async function emailStatuses(
  targets: Sent[],
  draft: { category: string; priority?: Priority; sendAt?: Date },
): Promise<Record<string, DeliveryStatus | undefined>> {
  const out: Record<string, DeliveryStatus | undefined> = {};
  await Promise.all(
    targets.map(async ({ client, userId }) => {
      const res = await client.send({
        userIds: [userId],
        category: draft.category,
        priority: draft.priority ?? Priority.NORMAL,
        title: `${draft.category} for ${userId}`,
        body: "b",
        ...(draft.sendAt !== undefined && { sendAt: timestampFromDate(draft.sendAt) }),
      });
      const [d] = await settledDeliveries(client, res.notifications[0]?.id as string, Channel.EMAIL);
      out[userId] = d?.status;
    }),
  );
  return out;
}

async function mailedTo(count: number): Promise<string[]> {
  if (count > 0) await smtp.waitForMessages(count);
  // Nothing more comes: every delivery above is settled already.
  return smtp.messages.flatMap((m) => m.to).sort();
}

async function emailStatusesInDb(userIds: string[], category: string) {
  return herald.db.query<{ tenant_id: string; user_id: string; status: string }>(
    `SELECT n.tenant_id, n.user_id, d.status FROM deliveries d JOIN notifications n ON n.id = d.notification_id
     WHERE d.channel = 'email' AND n.category = $1 AND n.user_id = ANY($2::text[]) ORDER BY n.user_id`,
    [category, userIds],
  );
}

describe("tenant required_categories", () => {
  it("a user of A who opted out still gets critical security email; a user of B does not", async () => {
    const got = await emailStatuses(
      [
        { client: a, userId: "alice" },
        { client: b, userId: "bert" },
      ],
      { category: "security", priority: Priority.CRITICAL },
    );
    expect(got).toEqual({ alice: DeliveryStatus.SENT, bert: DeliveryStatus.SUPPRESSED });
    expect(await mailedTo(1)).toEqual(["alice@pa.example"]);
    expect(await emailStatusesInDb(["alice", "bert"], "security")).toEqual([
      { tenant_id: "pa", user_id: "alice", status: "sent" },
      { tenant_id: "pb", user_id: "bert", status: "suppressed" },
    ]);
  });

  it("covers the categories below it, and only critical notifications (as REQUIRED_CATEGORIES does)", async () => {
    await connectClient(herald.url, await herald.userToken("alice", { tenant: "pa" })).updatePreferences({
      categories: { "security.login": { email: false } },
    });
    const below = await emailStatuses([{ client: a, userId: "alice" }], {
      category: "security.login",
      priority: Priority.CRITICAL,
    });
    expect(below.alice).toBe(DeliveryStatus.SENT);
    // Not critical: the opt-out holds.
    const normal = await emailStatuses([{ client: a, userId: "alice" }], { category: "security" });
    expect(normal.alice).toBe(DeliveryStatus.SUPPRESSED);
  });

  it("adds to the deployment's REQUIRED_CATEGORIES, which still hold for both tenants", async () => {
    const pa = connectClient(herald.url, await herald.userToken("alice", { tenant: "pa" }));
    const pb = connectClient(herald.url, await herald.userToken("bert", { tenant: "pb" }));
    await pa.updatePreferences({ categories: { billing: { email: false } } });
    await pb.updatePreferences({ categories: { billing: { email: false } } });
    const got = await emailStatuses(
      [
        { client: a, userId: "alice" },
        { client: b, userId: "bert" },
      ],
      { category: "billing", priority: Priority.CRITICAL },
    );
    expect(got).toEqual({ alice: DeliveryStatus.SENT, bert: DeliveryStatus.SENT });
  });

  it("holds at delivery time for scheduled deliveries", async () => {
    const sendAt = new Date(Date.now() + 1500);
    const got = await emailStatuses(
      [
        { client: a, userId: "alice" },
        { client: b, userId: "bert" },
      ],
      { category: "security", priority: Priority.CRITICAL, sendAt },
    );
    expect(got).toEqual({ alice: DeliveryStatus.SENT, bert: DeliveryStatus.SUPPRESSED });
    expect(await mailedTo(1)).toEqual(["alice@pa.example"]);
  });

  it("lets critical notifications of the tenant's required categories through quiet hours", async () => {
    const hour = new Date().getUTCHours();
    const allDay = {
      window: { start: { hour: (hour + 23) % 24, minute: 0 }, end: { hour: (hour + 2) % 24, minute: 0 } },
      timezone: "UTC",
    };
    await connectClient(herald.url, await herald.userToken("amy", { tenant: "pa" })).updatePreferences({
      quietHours: allDay,
    });
    await connectClient(herald.url, await herald.userToken("bea", { tenant: "pb" })).updatePreferences({
      quietHours: allDay,
    });
    try {
      const sent = await Promise.all(
        [
          [a, "amy"],
          [b, "bea"],
        ].map(([client, userId]) =>
          (client as HeraldClient).send({
            userIds: [userId as string],
            category: "security",
            priority: Priority.CRITICAL,
            title: "t",
            body: "b",
            channels: [Channel.EMAIL],
          }),
        ),
      );
      const [amy] = await settledDeliveries(a, sent[0]?.notifications[0]?.id as string, Channel.EMAIL);
      expect(amy?.status).toBe(DeliveryStatus.SENT);
      const held = (await b.getNotification({ id: sent[1]?.notifications[0]?.id as string })).deliveries;
      expect(held.map((d) => d.status)).toEqual([DeliveryStatus.SCHEDULED]);
      await b.cancel({ id: sent[1]?.notifications[0]?.id as string });
    } finally {
      for (const [userId, tenant] of [
        ["amy", "pa"],
        ["bea", "pb"],
      ] as const) {
        await connectClient(herald.url, await herald.userToken(userId, { tenant })).updatePreferences({
          clearQuietHours: true,
        });
      }
    }
  });
});

describe("tenant default_preferences", () => {
  it("suppresses marketing email to A's users without their own preference; B's are delivered", async () => {
    const got = await emailStatuses(
      [
        { client: a, userId: "amy" },
        { client: a, userId: "alice" },
        { client: b, userId: "bea" },
        { client: b, userId: "bert" },
      ],
      { category: "marketing" },
    );
    expect(got).toEqual({
      amy: DeliveryStatus.SUPPRESSED,
      alice: DeliveryStatus.SUPPRESSED,
      bea: DeliveryStatus.SENT,
      bert: DeliveryStatus.SENT,
    });
    expect(await mailedTo(2)).toEqual(["bea@pb.example", "bert@pb.example"]);
    const rows = await emailStatusesInDb(["amy", "bea"], "marketing");
    expect(rows).toEqual([
      { tenant_id: "pa", user_id: "amy", status: "suppressed" },
      { tenant_id: "pb", user_id: "bea", status: "sent" },
    ]);
  });

  it("gives a user's own preference precedence: A's users who enabled marketing email get it", async () => {
    const got = await emailStatuses(
      [
        { client: a, userId: "ann" },
        { client: a, userId: "ada" },
      ],
      { category: "marketing" },
    );
    expect(got).toEqual({ ann: DeliveryStatus.SENT, ada: DeliveryStatus.SENT });
    expect(await mailedTo(2)).toEqual(["ada@pa.example", "ann@pa.example"]);
  });

  it("applies to the categories below it, on its channel only", async () => {
    const res = await a.send({ userIds: ["amy"], category: "marketing.weekly", title: "t", body: "b" });
    const id = res.notifications[0]?.id as string;
    const [email] = await settledDeliveries(a, id, Channel.EMAIL);
    expect(email?.status).toBe(DeliveryStatus.SUPPRESSED);
    const [inApp] = await settledDeliveries(a, id, Channel.IN_APP);
    expect(inApp?.status).toBe(DeliveryStatus.SENT);
    // Another category: A's default says nothing, so on as always.
    const other = await emailStatuses([{ client: a, userId: "amy" }], { category: "marketingx" });
    expect(other.amy).toBe(DeliveryStatus.SENT);
  });

  it("holds at delivery time for scheduled deliveries", async () => {
    const sendAt = new Date(Date.now() + 1500);
    const got = await emailStatuses(
      [
        { client: a, userId: "amy" },
        { client: a, userId: "ann" },
        { client: b, userId: "bea" },
      ],
      { category: "marketing", sendAt },
    );
    expect(got).toEqual({ amy: DeliveryStatus.SUPPRESSED, ann: DeliveryStatus.SENT, bea: DeliveryStatus.SENT });
    expect(await mailedTo(2)).toEqual(["ann@pa.example", "bea@pb.example"]);
  });

  it("follows a change of the tenant's settings at once; without settings, as before", async () => {
    await superAdmin.updateTenant({ id: "pa", updateMask: { paths: ["settings"] } });
    try {
      const got = await emailStatuses(
        [
          { client: a, userId: "amy" },
          { client: a, userId: "alice" },
        ],
        { category: "marketing" },
      );
      expect(got).toEqual({ amy: DeliveryStatus.SENT, alice: DeliveryStatus.SENT });
      const sec = await emailStatuses([{ client: a, userId: "alice" }], {
        category: "security",
        priority: Priority.CRITICAL,
      });
      expect(sec.alice).toBe(DeliveryStatus.SUPPRESSED);
    } finally {
      await superAdmin.updateTenant({ id: "pa", settings: settingsA, updateMask: { paths: ["settings"] } });
    }
  });
});

describe("workflow deliver steps", () => {
  beforeAll(async () => {
    for (const tenant of ["pa", "pb"]) {
      await workflowClient(herald.url, keys[tenant]).upsertWorkflow({
        workflow: { key: "mail", steps: [{ kind: { case: "deliver", value: { channels: [Channel.EMAIL] } } }] },
      });
    }
  });

  /** Sends through the workflow and returns the email delivery's settled status. */
  async function viaWorkflow(client: HeraldClient, userId: string, category: string, priority = Priority.NORMAL) {
    const res = await client.send({ userIds: [userId], category, priority, title: "t", body: "b", workflow: "mail" });
    const [d] = await settledDeliveries(client, res.notifications[0]?.id as string, Channel.EMAIL);
    return d?.status;
  }

  it("apply the tenant's default preferences and required categories", async () => {
    expect(await viaWorkflow(a, "amy", "marketing")).toBe(DeliveryStatus.SUPPRESSED);
    expect(await viaWorkflow(a, "ann", "marketing")).toBe(DeliveryStatus.SENT);
    expect(await viaWorkflow(b, "bea", "marketing")).toBe(DeliveryStatus.SENT);
    expect(await viaWorkflow(a, "alice", "security", Priority.CRITICAL)).toBe(DeliveryStatus.SENT);
    expect(await viaWorkflow(b, "bert", "security", Priority.CRITICAL)).toBe(DeliveryStatus.SUPPRESSED);
  });

  it("let critical notifications of the tenant's required categories through quiet hours", async () => {
    const hour = new Date().getUTCHours();
    const allDay = {
      window: { start: { hour: (hour + 23) % 24, minute: 0 }, end: { hour: (hour + 2) % 24, minute: 0 } },
      timezone: "UTC",
    };
    const users = [
      ["amy", "pa"],
      ["bea", "pb"],
    ] as const;
    for (const [userId, tenant] of users) {
      await connectClient(herald.url, await herald.userToken(userId, { tenant })).updatePreferences({
        quietHours: allDay,
      });
    }
    try {
      expect(await viaWorkflow(a, "amy", "security", Priority.CRITICAL)).toBe(DeliveryStatus.SENT);
      const held = await b.send({
        userIds: ["bea"],
        category: "security",
        priority: Priority.CRITICAL,
        title: "t",
        body: "b",
        workflow: "mail",
      });
      const id = held.notifications[0]?.id as string;
      // Give the run time to fire: it holds the step until quiet hours end, so no email goes out.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const { deliveries } = await b.getNotification({ id });
      expect(deliveries.filter((d) => d.status === DeliveryStatus.SENT)).toEqual([]);
      await b.cancel({ id });
    } finally {
      for (const [userId, tenant] of users) {
        await connectClient(herald.url, await herald.userToken(userId, { tenant })).updatePreferences({
          clearQuietHours: true,
        });
      }
    }
  });
});
