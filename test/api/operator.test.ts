import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { OperatorService } from "../../gen/ts/herald/v1/operator_service_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { TemplateService } from "../../gen/ts/herald/v1/template_service_pb.js";
import { WorkflowStepState } from "../../gen/ts/herald/v1/workflow_pb.js";
import { createOperatorSearch } from "../../src/usecases/operator-search.js";
import { connectClient, type HeraldClient, serviceClient, workflowClient } from "../helpers/clients.js";
import { settledDeliveries } from "../helpers/deliveries.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp-receiver.js";
import { waitFor } from "../helpers/wait.js";

let herald: TestHerald;
let smtp: SmtpReceiver;
let admin: HeraldClient;
let operator: ReturnType<typeof serviceClient<typeof OperatorService>>;
let reader: ReturnType<typeof serviceClient<typeof OperatorService>>;
let adminKey: string;
let readKey: string;

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  herald = await startHerald({ env: { SMTP_URL: smtp.url } });
  adminKey = await herald.apiKey(["admin"], "ops-admin");
  readKey = await herald.apiKey(["read"], "ops-read");
  admin = connectClient(herald.url, adminKey);
  operator = serviceClient(OperatorService, herald.url, adminKey);
  reader = serviceClient(OperatorService, herald.url, readKey);
  const recipients = serviceClient(RecipientService, herald.url, adminKey);
  for (const userId of ["ann", "bob", "cyd"])
    await recipients.upsertRecipient({ userId, email: `${userId}@example.com` });
});
afterAll(async () => {
  await herald?.close();
  await smtp?.close();
});

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => ConnectError.from(e),
  );

/** One Send to one user; returns the notification id. */
async function send(userId: string, category: string, extra: object = {}): Promise<string> {
  const res = await admin.send({ userIds: [userId], category, title: `t-${category}`, body: "b", ...extra });
  return res.notifications[0]?.id as string;
}

describe("WhoAmI", () => {
  it("describes API keys and user tokens", async () => {
    expect(await operator.whoAmI({})).toMatchObject({ kind: "api_key", name: "ops-admin", scopes: ["admin"] });
    expect((await reader.whoAmI({})).scopes).toEqual(["read"]);
    expect((await reader.whoAmI({})).keyId).not.toBe("");
    const user = serviceClient(OperatorService, herald.url, await herald.userToken("ann"));
    expect(await user.whoAmI({})).toMatchObject({ kind: "user", name: "ann", scopes: [], keyId: "" });
  });
});

describe("SearchNotifications", () => {
  const ids: Record<string, string> = {};
  let startedAt: Date;
  let middle: Date;
  beforeAll(async () => {
    startedAt = new Date();
    ids.ann1 = await send("ann", "s-billing", { channels: [Channel.IN_APP] });
    ids.ann2 = await send("ann", "s-news", { channels: [Channel.IN_APP], idempotencyKey: "op-key-1" });
    await new Promise((r) => setTimeout(r, 20));
    middle = new Date();
    await new Promise((r) => setTimeout(r, 20));
    ids.bob1 = await send("bob", "s-billing", { channels: [Channel.IN_APP] });
    smtp.failNext(1, 550, "no such user");
    ids.cyd1 = await send("cyd", "s-billing", { channels: [Channel.EMAIL] });
    ids.ann3 = await send("ann", "s-billing", { channels: [Channel.EMAIL] });
    await settledDeliveries(admin, ids.cyd1, Channel.EMAIL);
    await settledDeliveries(admin, ids.ann3, Channel.EMAIL);
  });
  const search = async (req: Parameters<typeof operator.searchNotifications>[0]) =>
    (await operator.searchNotifications(req)).notifications.map((s) => s.notification?.id);

  it("filters by each field, newest first, with deliveries but no attempt history", async () => {
    expect(await search({ userId: "ann" })).toEqual([ids.ann3, ids.ann2, ids.ann1]);
    expect(await search({ category: "s-news" })).toEqual([ids.ann2]);
    expect(await search({ deliveryStatus: DeliveryStatus.DEAD })).toContain(ids.cyd1);
    expect(await search({ deliveryStatus: DeliveryStatus.DEAD })).not.toContain(ids.ann3);
    expect(await search({ deliveryStatus: DeliveryStatus.SENT, channel: Channel.EMAIL })).toEqual([ids.ann3]);
    expect(await search({ channel: Channel.EMAIL, createAfter: timestampFromDate(startedAt) })).toEqual([
      ids.ann3,
      ids.cyd1,
    ]);
    expect(await search({ idempotencyKey: "op-key-1" })).toEqual([ids.ann2]);
    expect(await search({ notificationId: ids.bob1 })).toEqual([ids.bob1]);
    expect(
      await search({ createBefore: timestampFromDate(middle), createAfter: timestampFromDate(startedAt) }),
    ).toEqual([ids.ann2, ids.ann1]);
    const [summary] = (await operator.searchNotifications({ notificationId: ids.cyd1 })).notifications;
    expect(summary?.deliveries).toHaveLength(1);
    expect(summary?.deliveries[0]).toMatchObject({ channel: Channel.EMAIL, status: DeliveryStatus.DEAD });
    expect(summary?.deliveries[0]?.attemptHistory).toEqual([]);
  });

  it("combines filters (every one must match)", async () => {
    expect(await search({ userId: "ann", category: "s-billing" })).toEqual([ids.ann3, ids.ann1]);
    expect(await search({ userId: "ann", deliveryStatus: DeliveryStatus.DEAD })).toEqual([]);
    expect(await search({ userId: "cyd", deliveryStatus: DeliveryStatus.DEAD, channel: Channel.EMAIL })).toEqual([
      ids.cyd1,
    ]);
    expect(await search({ deliveryStatus: DeliveryStatus.DEAD, category: "s-news" })).toEqual([]);
    expect(await search({ idempotencyKey: "op-key-1", userId: "bob" })).toEqual([]);
    expect(await search({ notificationId: ids.bob1, category: "s-news" })).toEqual([]);
    expect(await search({ category: "s-billing", createAfter: timestampFromDate(middle) })).toEqual([
      ids.ann3,
      ids.cyd1,
      ids.bob1,
    ]);
  });

  it("pages without gaps or duplicates, and refuses a token used with other filters", async () => {
    const seen: string[] = [];
    let pageToken = "";
    for (let i = 0; i < 10; i++) {
      const page = await operator.searchNotifications({
        createAfter: timestampFromDate(startedAt),
        pageSize: 2,
        pageToken,
      });
      seen.push(...page.notifications.map((s) => s.notification?.id as string));
      pageToken = page.nextPageToken;
      if (pageToken === "") break;
    }
    expect(seen).toEqual([ids.ann3, ids.cyd1, ids.bob1, ids.ann2, ids.ann1]);
    const first = await operator.searchNotifications({ userId: "ann", pageSize: 1 });
    const err = await errorOf(operator.searchNotifications({ userId: "bob", pageToken: first.nextPageToken }));
    expect(err?.code).toBe(Code.InvalidArgument);
    expect(err?.rawMessage).toMatch(/^page_token: /);
  });

  it("examines a bounded number of notifications per call: short pages continue where the scan stopped", async () => {
    const search = createOperatorSearch({ db: herald.app.db, scanBudget: 2 });
    const principal = { kind: "api_key", tenantId: "default", keyId: "k", name: "k", scopes: ["read"] } as const;
    const filters = {
      userId: null,
      category: "s-news",
      deliveryStatus: null,
      channel: null,
      createdAfter: startedAt,
      createdBefore: null,
      idempotencyKey: null,
      notificationId: null,
      templateKey: null,
    };
    const found: string[] = [];
    let pageToken = "";
    let calls = 0;
    do {
      const page = await search(principal, { filters, pageSize: 10, pageToken });
      found.push(...page.notifications.map((s) => s.notification.id));
      pageToken = page.nextPageToken;
      calls++;
    } while (pageToken !== "" && calls < 10);
    // Five notifications since startedAt, two examined per call: the match is on the second window.
    expect(found).toEqual([ids.ann2]);
    expect(calls).toBe(3);
  });

  it("refuses bad input, naming the field", async () => {
    for (const [field, req] of [
      ["notification_id", { notificationId: "not-a-uuid" }],
      ["page_size", { pageSize: 101 }],
      ["template_key", { templateKey: "Not A Key" }],
      ["page_token", { pageToken: "bm9wZQ" }],
    ] as const) {
      const err = await errorOf(operator.searchNotifications(req));
      expect(err?.code, field).toBe(Code.InvalidArgument);
      expect(err?.rawMessage, field).toMatch(new RegExp(`^${field}: `));
    }
  });
});

describe("GetNotificationLife", () => {
  it("shows an email's rendered content, deliveries with attempts, template and sender", async () => {
    const templates = serviceClient(TemplateService, herald.url, adminKey);
    await templates.upsertTemplate({
      template: {
        key: "op-welcome",
        channel: Channel.EMAIL,
        locale: "en",
        content: {
          case: "email",
          value: { subject: "Hi {{name}}", text: "Hello {{name}}", html: "<p>Hello <b>{{name}}</b></p>" },
        },
      },
    });
    const id = await send("ann", "life", {
      channels: [Channel.EMAIL],
      templateKey: "op-welcome",
      data: { name: "Ann" },
    });
    await settledDeliveries(admin, id, Channel.EMAIL);
    const life = await reader.getNotificationLife({ id });
    expect(life.notification?.id).toBe(id);
    expect(life.deliveries[0]).toMatchObject({ channel: Channel.EMAIL, status: DeliveryStatus.SENT });
    expect(life.deliveries[0]?.attemptHistory).toHaveLength(1);
    expect(life.rendered).toEqual([
      expect.objectContaining({
        channel: Channel.EMAIL,
        channelId: "email",
        subject: "Hi Ann",
        text: "Hello Ann",
        html: "<p>Hello <b>Ann</b></p>",
        error: "",
      }),
    ]);
    expect(smtp.messages.find((m) => m.subject === "Hi Ann")?.html).toContain("<b>Ann</b>");
    expect(life.templateKey).toBe("op-welcome");
    expect(life.senderKeyId).toBe((await operator.whoAmI({})).keyId);
    expect(life.traceId).toBe(""); // tracing is off here: see operator-trace.test.ts
  });

  it("shows in-app content and the workflow run with its steps", async () => {
    const workflows = workflowClient(herald.url, adminKey);
    await workflows.upsertWorkflow({
      workflow: { key: "op-flow", steps: [{ kind: { case: "deliver", value: { channels: [Channel.IN_APP] } } }] },
    });
    const id = await send("bob", "flow", { workflow: "op-flow" });
    const life = await waitFor(
      async () => {
        const l = await operator.getNotificationLife({ id });
        return l.workflowRuns[0]?.steps[0]?.state === WorkflowStepState.DONE && l.deliveries.length > 0 && l;
      },
      10_000,
      "the workflow's deliver step",
    );
    expect(life.workflowRuns).toHaveLength(1);
    expect(life.workflowRuns[0]?.workflowKey).toBe("op-flow");
    expect(life.rendered).toEqual([expect.objectContaining({ channelId: "in_app", subject: "t-flow", text: "b" })]);
  });

  it("is NOT_FOUND for an unknown id, INVALID_ARGUMENT for a malformed one", async () => {
    const err = await errorOf(operator.getNotificationLife({ id: "0190c0de-0000-7000-8000-000000000000" }));
    expect(err?.code).toBe(Code.NotFound);
    const bad = await errorOf(operator.getNotificationLife({ id: "nope" }));
    expect(bad?.code).toBe(Code.InvalidArgument);
    expect(bad?.rawMessage).toMatch(/^id: /);
  });
});
