import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { OperatorService } from "../../gen/ts/herald/v1/operator_service_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { TemplateService } from "../../gen/ts/herald/v1/template_service_pb.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { settledDeliveries } from "../helpers/deliveries.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp-receiver.js";
import { waitFor } from "../helpers/wait.js";

let herald: TestHerald;
let smtp: SmtpReceiver;
let admin: HeraldClient;
let adminKey: string;
let readKey: string;
let operator: ReturnType<typeof serviceClient<typeof OperatorService>>;

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  herald = await startHerald({ env: { SMTP_URL: smtp.url } });
  adminKey = await herald.apiKey(["admin"]);
  readKey = await herald.apiKey(["read"]);
  admin = connectClient(herald.url, adminKey);
  operator = serviceClient(OperatorService, herald.url, adminKey);
  await serviceClient(RecipientService, herald.url, adminKey).upsertRecipient({
    userId: "dee",
    email: "dee@example.com",
  });
});
afterAll(async () => {
  await herald?.close();
  await smtp?.close();
});

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: unknown) => Code[ConnectError.from(e).code] as string,
  );
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => ConnectError.from(e),
  );

async function sendEmail(title: string): Promise<string> {
  const res = await admin.send({ userIds: ["dee"], category: "ops", title, body: "b", channels: [Channel.EMAIL] });
  return res.notifications[0]?.id as string;
}

const emailTemplate = (subject: string) => ({
  key: "preview",
  channel: Channel.EMAIL,
  locale: "en",
  content: { case: "email" as const, value: { subject, text: "Hello {{name}}, {{title}}", html: "<p>{{name}}</p>" } },
});

describe("RetryDeliveries", () => {
  it("retries a dead delivery and reports a sent one and an unknown id, each in order", async () => {
    smtp.failNext(1, 550, "no such user");
    const [dead] = await settledDeliveries(admin, await sendEmail("dies"), Channel.EMAIL);
    expect(dead?.status).toBe(DeliveryStatus.DEAD);
    const [sent] = await settledDeliveries(admin, await sendEmail("arrives"), Channel.EMAIL);
    expect(sent?.status).toBe(DeliveryStatus.SENT);
    const unknown = "0190c0de-0000-7000-8000-000000000001";
    const { results } = await operator.retryDeliveries({
      deliveryIds: [dead?.id as string, sent?.id as string, unknown],
    });
    expect(results.map((r) => [r.deliveryId, r.retried, r.error])).toEqual([
      [dead?.id, true, ""],
      [sent?.id, false, "status is sent: only dead deliveries can be retried"],
      [unknown, false, "not found"],
    ]);
    expect(results[0]?.delivery?.status).toBe(DeliveryStatus.PENDING);
    expect(results[1]?.delivery?.status).toBe(DeliveryStatus.SENT);
    expect(results[2]?.delivery).toBeUndefined();
    const [again] = await settledDeliveries(admin, dead?.notificationId as string, Channel.EMAIL);
    expect(again).toMatchObject({ status: DeliveryStatus.SENT, attempts: 2 });
  });

  it("refuses an empty list and repeated ids", async () => {
    expect((await errorOf(operator.retryDeliveries({ deliveryIds: [] })))?.rawMessage).toMatch(/^delivery_ids: /);
    const id = "0190c0de-0000-7000-8000-000000000002";
    expect(await codeOf(operator.retryDeliveries({ deliveryIds: [id, id] }))).toBe("InvalidArgument");
    const many = Array.from({ length: 101 }, (_, i) => `0190c0de-0000-7000-8000-${String(i).padStart(12, "0")}`);
    expect((await errorOf(operator.retryDeliveries({ deliveryIds: many })))?.rawMessage).toMatch(/^delivery_ids: /);
    expect((await errorOf(operator.retryDeliveries({ deliveryIds: ["nope"] })))?.rawMessage).toMatch(
      /^delivery_ids\[0\]: /,
    );
  });
});

describe("GetPipelineHealth", () => {
  it("counts what this process sent and failed, and the dead in Postgres", async () => {
    const before = await operator.getPipelineHealth({});
    const email = (h: typeof before) => h.channels.find((c) => c.channelId === "email");
    expect(before.channels.map((c) => c.channelId)).toContain("in_app");
    expect(before.processId).toMatch(/^.+:\d+$/);
    expect(before.consumerPending).toBeDefined();
    smtp.failNext(1, 550, "no such user");
    await settledDeliveries(admin, await sendEmail("health dies"), Channel.EMAIL);
    await settledDeliveries(admin, await sendEmail("health arrives"), Channel.EMAIL);
    const after = await waitFor(
      async () => {
        const h = await operator.getPipelineHealth({});
        return (email(h)?.sentTotal ?? 0n) > (email(before)?.sentTotal ?? 0n) && h;
      },
      5_000,
      "the sent counter",
    );
    expect(email(after)?.deadTotal).toBe((email(before)?.deadTotal ?? 0n) + 1n);
    expect(email(after)?.failedTotal).toBe((email(before)?.failedTotal ?? 0n) + 1n);
    expect(email(after)?.deadNow).toBe((email(before)?.deadNow ?? 0n) + 1n);
    expect(after.outboxBacklog).toBeGreaterThanOrEqual(0n);
    expect(after.oldestOverdueTimerSeconds).toBe(0);
    expect(after.sampleTime).toBeDefined();
  });

  it("counts open Subscribe streams", async () => {
    const abort = new AbortController();
    const user = connectClient(herald.url, await herald.userToken("dee"));
    const stream = user.subscribe({}, { signal: abort.signal });
    const reading = (async () => {
      for await (const _ of stream);
    })().catch(() => undefined);
    await waitFor(async () => (await operator.getPipelineHealth({})).openStreams === 1n, 5_000, "one open stream");
    abort.abort();
    await reading;
  });
});

describe("PreviewTemplate", () => {
  const templates = () => serviceClient(TemplateService, herald.url, adminKey);

  it("renders with the data alone, as Send does, and stores nothing", async () => {
    const { parts } = await templates().previewTemplate({
      template: emailTemplate("Hi {{name}}"),
      data: { name: "<Dee>", title: "Mine" },
    });
    expect(parts).toEqual({ subject: "Hi <Dee>", text: "Hello <Dee>, Mine", html: "<p>&lt;Dee&gt;</p>" });
    // The notification's own title is not a variable in Send, so not in a preview either.
    const noTitle = await errorOf(templates().previewTemplate({ template: emailTemplate("x"), data: { name: "x" } }));
    expect(noTitle?.code).toBe(Code.InvalidArgument);
    expect(noTitle?.rawMessage).toMatch(/^data: .*uses "title"/);
    expect((await templates().listTemplates({ key: "preview" })).templates).toEqual([]);
  });

  it("reports a syntax error naming the part, and a missing variable as data", async () => {
    const syntax = await errorOf(templates().previewTemplate({ template: emailTemplate("Hi {{name"), data: {} }));
    expect(syntax?.code).toBe(Code.InvalidArgument);
    expect(syntax?.rawMessage).toMatch(/^template\.email\.subject: /);
    const big = await errorOf(
      templates().previewTemplate({ template: emailTemplate("x"), data: { name: "x", title: "y".repeat(20_000) } }),
    );
    expect(big?.code).toBe(Code.InvalidArgument);
    expect(big?.rawMessage).toMatch(/^data: /);
    const missing = await errorOf(templates().previewTemplate({ template: emailTemplate("Hi {{name}}"), data: {} }));
    expect(missing?.code).toBe(Code.InvalidArgument);
    expect(missing?.rawMessage).toMatch(/^data: template "preview" \(email subject, en\) uses "name"/);
  });
});

describe("scopes", () => {
  it("a read key searches, reads lives and previews, but may not retry or change a template", async () => {
    const reader = serviceClient(OperatorService, herald.url, readKey);
    const id = (await admin.send({ userIds: ["dee"], category: "scopes", title: "t", body: "b" })).notifications[0]
      ?.id as string;
    expect(await codeOf(reader.searchNotifications({ userId: "dee" }))).toBe("ok");
    expect(await codeOf(reader.getNotificationLife({ id }))).toBe("ok");
    expect(await codeOf(reader.getPipelineHealth({}))).toBe("ok");
    const deliveryIds = ["0190c0de-0000-7000-8000-000000000003"];
    expect(await codeOf(reader.retryDeliveries({ deliveryIds }))).toBe("PermissionDenied");
    const previewer = serviceClient(TemplateService, herald.url, readKey);
    expect(
      await codeOf(previewer.previewTemplate({ template: emailTemplate("x"), data: { name: "Dee", title: "t" } })),
    ).toBe("ok");
    expect(await codeOf(previewer.listTemplates({ key: "preview" }))).toBe("ok");
    expect(await codeOf(previewer.upsertTemplate({ template: emailTemplate("x") }))).toBe("PermissionDenied");
    expect(await codeOf(previewer.deleteTemplate({ key: "preview", channel: Channel.EMAIL, locale: "en" }))).toBe(
      "PermissionDenied",
    );
  });

  it("a user token may only ask WhoAmI", async () => {
    const user = serviceClient(OperatorService, herald.url, await herald.userToken("dee"));
    const id = "0190c0de-0000-7000-8000-000000000004";
    expect(await codeOf(user.whoAmI({}))).toBe("ok");
    expect(await codeOf(user.searchNotifications({ userId: "dee" }))).toBe("PermissionDenied");
    expect(await codeOf(user.getNotificationLife({ id }))).toBe("PermissionDenied");
    expect(await codeOf(user.retryDeliveries({ deliveryIds: [id] }))).toBe("PermissionDenied");
    expect(await codeOf(user.getPipelineHealth({}))).toBe("PermissionDenied");
  });
});
