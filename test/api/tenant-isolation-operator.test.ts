import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { OperatorService, type SearchNotificationsRequestSchema } from "../../gen/ts/herald/v1/operator_service_pb.js";
import { serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

// OperatorService inside tenants: tenants A and B hold the same user ("alice"),
// the same category, template and idempotency key; B's keys find, read,
// retry and count only B's rows, and A's ids answer as unknown ids do. The
// rows are written straight into Postgres, each with its tenant, so that the
// operator's reads are tested alone.
type Operator = ReturnType<typeof serviceClient<typeof OperatorService>>;

let herald: TestHerald;
let aAdmin: Operator;
let bAdmin: Operator;
let bReader: Operator;
let defaultAdmin: Operator;
const A = "op-tenant-a";
const B = "op-tenant-b";
const a: Record<string, string> = {};
const b: Record<string, string> = {};
const startedAt = new Date(Date.now() - 60_000);

/** A time-ordered id (UUIDv7-like) `n` ms after startedAt, so that the newest first order is known. */
function idAt(n: number, tag: number): string {
  const hex = `${(startedAt.getTime() + n).toString(16).padStart(12, "0")}7000${(0x8000 + tag).toString(16)}${"0".repeat(12)}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** One notification of `tenant` for alice with an email delivery (dead or sent) and an in-app delivery. */
async function insertLife(tenant: string, n: number, email: "dead" | "sent", senderKeyId: string, key = "same-key") {
  const id = idAt(n, 0);
  const created = new Date(startedAt.getTime() + n);
  await herald.db.query(
    `INSERT INTO notifications (id, tenant_id, user_id, category, title, body, priority, send_at, created_at,
       template_key, sender_key_id, trace_id)
     VALUES ($1, $2, 'alice', 'billing', $3, 'b', 'normal', $4, $4, 'welcome', $5, $6)`,
    [id, tenant, `title of ${tenant}`, created, senderKeyId, "4bf92f3577b34da6a3ce929d0e0e4736"],
  );
  const emailId = idAt(n, 1);
  const inAppId = idAt(n, 2);
  await herald.db.query(
    `INSERT INTO deliveries (id, tenant_id, notification_id, channel, target, status, due_at, content, last_error)
     VALUES ($1, $3, $4, 'email', 'alice@example.com', $5, now(), '{"subject":"S","text":"T"}', 'bounced'),
            ($2, $3, $4, 'in_app', '', 'sent', now(), NULL, '')`,
    [emailId, inAppId, tenant, id, email],
  );
  await herald.db.query(
    `INSERT INTO workflow_runs (id, tenant_id, workflow_key, workflow_version, notification_id, user_id, status, steps,
       created_at, finished_at)
     VALUES ($1, $2, 'onboarding', 1, $3, 'alice', 'completed', '[]', $4, $4)`,
    [idAt(n, 3), tenant, id, created],
  );
  await herald.db.query(
    `INSERT INTO idempotency_keys (api_key_id, key, request_hash, notification_ids)
     VALUES ($1, $3, '\\x00', ARRAY[$2::uuid])`,
    [senderKeyId, id, key],
  );
  return { id, emailId, inAppId };
}

beforeAll(async () => {
  // An SMTP server is configured (never reached: nothing here is sent) so that email is a channel.
  herald = await startHerald({ env: { SMTP_URL: "smtp://127.0.0.1:9" } });
  await herald.tenant(A);
  await herald.tenant(B);
  aAdmin = serviceClient(OperatorService, herald.url, await herald.apiKey(["admin"], "ops", A));
  bAdmin = serviceClient(OperatorService, herald.url, await herald.apiKey(["admin"], "ops", B));
  bReader = serviceClient(OperatorService, herald.url, await herald.apiKey(["read"], "ops-read", B));
  defaultAdmin = serviceClient(OperatorService, herald.url, await herald.apiKey(["admin"], "ops"));
  const aKey = (await aAdmin.whoAmI({})).keyId;
  const bKey = (await bAdmin.whoAmI({})).keyId;
  // A's notification is the newer one: a search that forgot the tenant would show it first.
  const older = await insertLife(B, 1_000, "dead", bKey);
  const newer = await insertLife(A, 2_000, "dead", aKey);
  Object.assign(b, older);
  Object.assign(a, newer);
});
afterAll(async () => {
  await herald?.close();
});

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => ConnectError.from(e),
  );

async function foundBy(
  client: Operator,
  req: MessageInitShape<typeof SearchNotificationsRequestSchema>,
): Promise<string[]> {
  const page = await client.searchNotifications(req);
  return page.notifications.map((s) => s.notification?.id as string);
}

describe("WhoAmI", () => {
  it("tells the caller's tenant", async () => {
    expect((await bAdmin.whoAmI({})).tenantId).toBe(B);
    expect((await defaultAdmin.whoAmI({})).tenantId).toBe("default");
    const user = serviceClient(OperatorService, herald.url, await herald.userToken("alice", { tenant: B }));
    expect(await user.whoAmI({})).toMatchObject({ kind: "user", name: "alice", tenantId: B });
  });
});

describe("SearchNotifications", () => {
  const searches: Array<[string, MessageInitShape<typeof SearchNotificationsRequestSchema>]> = [
    ["no filter", {}],
    ["user", { userId: "alice" }],
    ["category", { category: "billing" }],
    ["template", { templateKey: "welcome" }],
    ["dead deliveries (deliveries_by_status)", { deliveryStatus: DeliveryStatus.DEAD }],
    ["dead email deliveries", { deliveryStatus: DeliveryStatus.DEAD, channel: Channel.EMAIL }],
    ["sent deliveries (checked per notification)", { deliveryStatus: DeliveryStatus.SENT }],
    ["channel", { channel: Channel.IN_APP }],
    ["idempotency key", { idempotencyKey: "same-key" }],
    ["user and status", { userId: "alice", deliveryStatus: DeliveryStatus.DEAD }],
    ["time range", { createAfter: timestampFromDate(startedAt), createBefore: timestampFromDate(new Date()) }],
  ];

  it.each(searches)("by %s finds only the caller's tenant's notifications", async (_, req) => {
    expect(await foundBy(bAdmin, req)).toEqual([b.id]);
    expect(await foundBy(bReader, req)).toEqual([b.id]);
    expect(await foundBy(aAdmin, req)).toEqual([a.id]);
    // The default tenant has none of them.
    expect(await foundBy(defaultAdmin, req)).toEqual([]);
  });

  it("by another tenant's notification id finds nothing, as an unknown id", async () => {
    expect(await foundBy(bAdmin, { notificationId: a.id })).toEqual([]);
    expect(await foundBy(bAdmin, { notificationId: b.id })).toEqual([b.id]);
  });

  it("returns only the tenant's deliveries with each notification", async () => {
    const page = await bAdmin.searchNotifications({ userId: "alice" });
    const ids = page.notifications.flatMap((s) => s.deliveries.map((d) => d.id)).sort();
    expect(ids).toEqual([b.emailId, b.inAppId].sort());
  });

  it("user tokens may not search, in any tenant", async () => {
    const user = serviceClient(OperatorService, herald.url, await herald.userToken("alice", { tenant: B }));
    expect((await errorOf(user.searchNotifications({ userId: "alice" })))?.code).toBe(Code.PermissionDenied);
  });
});

describe("GetNotificationLife", () => {
  it("answers another tenant's notification as an unknown one: NOT_FOUND", async () => {
    const other = await errorOf(bAdmin.getNotificationLife({ id: a.id }));
    const unknown = await errorOf(bAdmin.getNotificationLife({ id: idAt(9_000, 0) }));
    expect(other?.code).toBe(Code.NotFound);
    expect(other?.rawMessage).toBe(`notification ${a.id} not found`);
    expect(unknown?.code).toBe(Code.NotFound);
    expect((await errorOf(bReader.getNotificationLife({ id: a.id })))?.code).toBe(Code.NotFound);
  });

  it("shows the tenant's own notification with its deliveries, content and runs", async () => {
    const life = await bAdmin.getNotificationLife({ id: b.id });
    expect(life.notification?.title).toBe(`title of ${B}`);
    expect(life.deliveries.map((d) => d.id).sort()).toEqual([b.emailId, b.inAppId].sort());
    expect(life.rendered.map((r) => r.channelId).sort()).toEqual(["email", "in_app"]);
    expect(life.workflowRuns.map((r) => r.id)).toEqual([idAt(1_000, 3)]);
    expect(life.templateKey).toBe("welcome");
    expect((await aAdmin.getNotificationLife({ id: a.id })).notification?.title).toBe(`title of ${A}`);
    expect((await errorOf(aAdmin.getNotificationLife({ id: b.id })))?.code).toBe(Code.NotFound);
  });
});

describe("RetryDeliveries", () => {
  it("answers another tenant's deliveries as unknown ids and leaves them as they are", async () => {
    const unknown = idAt(9_000, 1);
    const res = await bAdmin.retryDeliveries({ deliveryIds: [a.emailId, a.inAppId, unknown] });
    for (const r of res.results) {
      expect(r).toMatchObject({ retried: false, error: "not found" });
      expect(r.delivery).toBeUndefined();
    }
    const rows = await herald.db.query<{ id: string; status: string; tenant_id: string }>(
      "SELECT id, status, tenant_id FROM deliveries WHERE notification_id = $1 ORDER BY channel",
      [a.id],
    );
    expect(rows).toEqual([
      { id: a.emailId, status: "dead", tenant_id: A },
      { id: a.inAppId, status: "sent", tenant_id: A },
    ]);
    const outbox = await herald.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM outbox WHERE delivery_id = ANY($1::uuid[])",
      [[a.emailId, a.inAppId]],
    );
    expect(outbox[0]?.n).toBe(0);
    // A read key may not retry at all.
    expect((await errorOf(bReader.retryDeliveries({ deliveryIds: [b.emailId] })))?.code).toBe(Code.PermissionDenied);
  });

  it("a status error names only the tenant's own delivery", async () => {
    const res = await bAdmin.retryDeliveries({ deliveryIds: [b.inAppId, a.inAppId] });
    expect(res.results.map((r) => [r.deliveryId, r.retried, r.error])).toEqual([
      [b.inAppId, false, "status is sent: only dead deliveries can be retried"],
      [a.inAppId, false, "not found"],
    ]);
  });
});

describe("GetPipelineHealth", () => {
  it("counts only the tenant's dead deliveries, and shows another tenant no deployment-wide figures", async () => {
    // A second dead delivery in A: B's count must not move.
    await insertLife(A, 3_000, "dead", (await aAdmin.whoAmI({})).keyId, "another-key");
    const deadNow = (h: Awaited<ReturnType<Operator["getPipelineHealth"]>>, channel: string) =>
      h.channels.find((c) => c.channelId === channel)?.deadNow;

    const forB = await bReader.getPipelineHealth({});
    expect(deadNow(forB, "email")).toBe(1n);
    expect(deadNow(forB, "in_app")).toBe(0n);
    expect(forB.deploymentWide).toBe(false);
    expect(forB.consumerPending).toBeUndefined();
    expect(forB.outboxBacklog).toBe(0n);
    expect(forB.openStreams).toBe(0n);
    expect(forB.processId).toBe("");
    expect(forB.oldestOverdueTimerSeconds).toBe(0);
    for (const c of forB.channels) expect([c.sentTotal, c.failedTotal, c.deadTotal]).toEqual([0n, 0n, 0n]);

    expect(deadNow(await aAdmin.getPipelineHealth({}), "email")).toBe(2n);

    // The default tenant's callers (the deployment's operators) see the deployment's
    // queues, but dead_now is still their own tenant's.
    const forDefault = await defaultAdmin.getPipelineHealth({});
    expect(forDefault.deploymentWide).toBe(true);
    expect(forDefault.processId).not.toBe("");
    expect(deadNow(forDefault, "email")).toBe(0n);
  });
});
