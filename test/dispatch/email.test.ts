import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AttemptOutcome, Channel, DeliveryStatus, Priority } from "../../gen/ts/herald/v1/notification_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { TemplateService } from "../../gen/ts/herald/v1/template_service_pb.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { settledDeliveries } from "../helpers/deliveries.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp-receiver.js";

let smtp: SmtpReceiver;
let herald: TestHerald;
let admin: HeraldClient;
let adminKey: string;

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  herald = await startHerald({
    env: {
      SMTP_URL: smtp.url,
      EMAIL_FROM: "Herald <notify@example.com>",
      PREFERENCES_URL: "https://app.example.com/settings/notifications?user={user_id}",
      REQUIRED_CATEGORIES: "security",
    },
  });
  adminKey = await herald.apiKey(["admin"]);
  admin = connectClient(herald.url, adminKey);
  const recipients = serviceClient(RecipientService, herald.url, adminKey);
  await recipients.upsertRecipient({ userId: "ada", email: "ada@example.com", locale: "de-AT" });
  await recipients.upsertRecipient({ userId: "bob", email: "bob@example.com" });
});
afterAll(async () => {
  await herald.close();
  await smtp.close();
});
beforeEach(() => smtp.reset());

const settled = (id: string, channel = Channel.EMAIL) => settledDeliveries(admin, id, channel);

describe("email", () => {
  it("delivers to the recipient's address with Message-ID and List-Unsubscribe, and records the attempt", async () => {
    const res = await admin.send({
      userIds: ["bob"],
      category: "order.shipped",
      title: "Your order shipped",
      body: "Order <1042> is on its way.",
      actionUrl: "https://shop.example.com/orders/1042",
    });
    const id = res.notifications[0]?.id as string;
    const [delivery] = await settled(id);
    expect(delivery?.status).toBe(DeliveryStatus.SENT);
    expect(delivery?.attemptHistory.map((a) => a.outcome)).toEqual([AttemptOutcome.SENT]);
    expect(delivery?.providerMessageId).toMatch(/^250 /);
    const [mail] = await smtp.waitForMessages(1);
    expect(mail).toMatchObject({
      to: ["bob@example.com"],
      subject: "Your order shipped",
      messageId: `<${delivery?.id}@herald>`,
    });
    expect(mail?.from).toContain("notify@example.com");
    expect(mail?.text).toContain("Order <1042> is on its way.");
    expect(mail?.html).toContain("Order &lt;1042&gt; is on its way.");
    expect(mail?.headers["list-unsubscribe"]).toBe("<https://app.example.com/settings/notifications?user=bob>");
    // In-app went along, in the same Send.
    expect((await admin.list({ userId: "bob" })).notifications.map((n) => n.id)).toContain(id);
  });

  it("renders the recipient's locale's template, escaping variables in HTML only", async () => {
    const templates = serviceClient(TemplateService, herald.url, adminKey);
    for (const [locale, subject, text] of [
      ["en", "Hello {{name}}", "Your code is {{code}}."],
      ["de", "Hallo {{name}}", "Dein Code ist {{code}}."],
    ]) {
      await templates.upsertTemplate({
        template: {
          key: "welcome",
          channel: Channel.EMAIL,
          locale,
          content: { case: "email", value: { subject, text, html: `<p>${text}</p>` } },
        },
      });
      await templates.upsertTemplate({
        template: {
          key: "welcome",
          channel: Channel.IN_APP,
          locale,
          content: { case: "inApp", value: { title: subject, body: text } },
        },
      });
    }
    const res = await admin.send({
      userIds: ["ada", "bob"],
      category: "welcome",
      templateKey: "welcome",
      data: { name: "Tom & <Jerry>", code: 42 },
    });
    await Promise.all(res.notifications.map((n) => settled(n.id)));
    const byTo = new Map(smtp.messages.map((m) => [m.to[0], m]));
    expect(byTo.get("ada@example.com")?.subject).toBe("Hallo Tom & <Jerry>");
    expect(byTo.get("ada@example.com")?.html).toContain("<p>Dein Code ist 42.</p>");
    expect(byTo.get("bob@example.com")?.subject).toBe("Hello Tom & <Jerry>");
    expect(res.notifications.map((n) => n.title)).toEqual(["Hallo Tom & <Jerry>", "Hello Tom & <Jerry>"]);
    await templates.upsertTemplate({
      template: {
        key: "escape",
        channel: Channel.EMAIL,
        locale: "en",
        content: { case: "email", value: { subject: "s {{name}}", text: "t {{name}}", html: "<b>{{name}}</b>" } },
      },
    });
    const escaped = await admin.send({
      userIds: ["bob"],
      category: "x",
      title: "t",
      body: "b",
      templateKey: "escape",
      data: { name: "<script>" },
    });
    await settled(escaped.notifications[0]?.id as string);
    const mail = smtp.messages.find((m) => m.subject === "s <script>");
    expect(mail?.html).toContain("<b>&lt;script&gt;</b>");
    expect(mail?.text).toContain("t <script>");
  });

  it("fails a Send whose template uses a variable data lacks, naming it, and writes nothing", async () => {
    const before = await herald.db.query<{ n: string }>("SELECT count(*) AS n FROM notifications");
    const err = await admin
      .send({ userIds: ["bob"], category: "welcome", templateKey: "welcome", data: { name: "Bob" } })
      .catch((e: unknown) => ConnectError.from(e));
    expect(err).toMatchObject({ code: Code.InvalidArgument });
    expect((err as ConnectError).rawMessage).toMatch(/^data: template "welcome" \(.*\) uses "code"/);
    expect(await herald.db.query("SELECT count(*) AS n FROM notifications")).toEqual(before);
    const unknown = await admin
      .send({ userIds: ["bob"], category: "welcome", templateKey: "nope" })
      .catch((e: unknown) => ConnectError.from(e));
    expect((unknown as ConnectError).rawMessage).toMatch(/^template_key: /);
  });

  it("refuses templates that do not compile or would insert raw HTML, naming the part", async () => {
    const templates = serviceClient(TemplateService, herald.url, adminKey);
    for (const [html, pattern] of [
      ["<p>{{#if x}}</p>", /^template\.email\.html: /],
      ["<p>{{{raw}}}</p>", /^template\.email\.html: .*unescaped/],
    ] as const) {
      const err = await templates
        .upsertTemplate({
          template: {
            key: "bad",
            channel: Channel.EMAIL,
            locale: "en",
            content: { case: "email", value: { subject: "s", text: "t", html } },
          },
        })
        .catch((e: unknown) => ConnectError.from(e));
      expect(err).toMatchObject({ code: Code.InvalidArgument });
      expect((err as ConnectError).rawMessage).toMatch(pattern);
    }
  });

  it("records a channel the user turned off as suppressed, unless a required category sends critical", async () => {
    const user = connectClient(herald.url, await herald.userToken("bob"));
    await user.updatePreferences({ defaults: { email: false } });
    const promo = await admin.send({ userIds: ["bob"], category: "promo", title: "Sale", body: "b" });
    const alert = await admin.send({
      userIds: ["bob"],
      category: "security.login",
      title: "New sign-in",
      body: "b",
      priority: Priority.CRITICAL,
    });
    const [suppressed] = await settled(promo.notifications[0]?.id as string);
    expect(suppressed?.status).toBe(DeliveryStatus.SUPPRESSED);
    const [sent] = await settled(alert.notifications[0]?.id as string);
    expect(sent?.status).toBe(DeliveryStatus.SENT);
    expect(smtp.messages.map((m) => m.subject)).toEqual(["New sign-in"]);
    await user.updatePreferences({ defaults: { email: true } });
  });

  it("fails an explicit email to a recipient without an address visibly, as dead", async () => {
    const res = await admin.send({
      userIds: ["no-address"],
      category: "x",
      title: "t",
      body: "b",
      channels: [Channel.EMAIL],
    });
    const [delivery] = await settled(res.notifications[0]?.id as string);
    expect(delivery).toMatchObject({ status: DeliveryStatus.DEAD, lastError: "the recipient has no email address" });
    // Without `channels`, a recipient without an address simply gets no email delivery.
    const auto = await admin.send({ userIds: ["no-address"], category: "x", title: "t", body: "b" });
    const { deliveries } = await admin.getNotification({ id: auto.notifications[0]?.id as string });
    expect(deliveries.map((d) => d.channel)).toEqual([Channel.IN_APP]);
  });
});
