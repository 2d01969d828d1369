import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { TemplateService } from "../../gen/ts/herald/v1/template_service_pb.js";
import { TenantService } from "../../gen/ts/herald/v1/tenant_service_pb.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { settledDeliveries } from "../helpers/deliveries.js";
import { type FakeTwilio, startFakeTwilio } from "../helpers/fake-twilio.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { type ReceivedEmail, type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp-receiver.js";

// The deployment's SMTP server, tenant A's own, and the one A moves to.
let deploymentSmtp: SmtpReceiver;
let smtpA: SmtpReceiver;
let smtpA2: SmtpReceiver;
let twilio: FakeTwilio;
let herald: TestHerald;
let tenants: ReturnType<typeof serviceClient<typeof TenantService>>;
const clients: Record<string, HeraldClient> = {};

const accountA = { accountSid: `AC${"a1".repeat(16)}`, authToken: "tenant-a-token" };

const settingsA = (smtpUrl: string) => ({
  email: {
    fromAddress: 'Acme "Shop" <no-reply@acme.example>',
    replyTo: "help@acme.example",
    branding: {
      logoUrl: "https://cdn.acme.example/logo.png?size=2&v=1",
      primaryColor: "#ff6600",
      footerText: "Acme Inc. <Main St & 5th>",
    },
  },
  providers: {
    smtp: { url: smtpUrl },
    twilio: { ...accountA, from: "+15551234567" },
  },
});

beforeAll(async () => {
  [deploymentSmtp, smtpA, smtpA2] = await Promise.all([startSmtpReceiver(), startSmtpReceiver(), startSmtpReceiver()]);
  twilio = await startFakeTwilio({ otherAccounts: [accountA] });
  herald = await startHerald({
    env: {
      SMTP_URL: deploymentSmtp.url,
      EMAIL_FROM: "Herald <notify@example.com>",
      TWILIO_BASE_URL: twilio.url,
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: "+15005550006",
    },
  });
  tenants = serviceClient(TenantService, herald.url, await herald.apiKey(["super_admin"], "root"));
  // A's SMTP URL carries a user and password, as a real one would (the receiver takes any).
  const withPassword = (url: string) => url.replace("smtp://", "smtp://mailer:s3cret@");
  await tenants.createTenant({ id: "tenant-a", name: "Tenant A", settings: settingsA(withPassword(smtpA.url)) });
  await tenants.createTenant({ id: "tenant-b", name: "Tenant B" });
  for (const tenant of ["tenant-a", "tenant-b", undefined]) {
    const key = await herald.apiKey(["admin"], "admin", tenant);
    const name = tenant ?? "default";
    clients[name] = connectClient(herald.url, key);
    const recipients = serviceClient(RecipientService, herald.url, key);
    await recipients.upsertRecipient({ userId: "ada", email: `ada@${name}.example`, phone: "+14155550123" });
    // A template whose HTML is a fragment, not a whole document.
    await serviceClient(TemplateService, herald.url, key).upsertTemplate({
      template: {
        key: "hello",
        channel: Channel.EMAIL,
        locale: "en",
        content: { case: "email", value: { subject: "Hello", text: "Hi {{name}}", html: "<p>Hi {{name}}</p>" } },
      },
    });
  }
}, 180_000);
afterAll(async () => {
  await herald?.close();
  await Promise.all([deploymentSmtp?.close(), smtpA?.close(), smtpA2?.close(), twilio?.close()]);
});

/** Sends one email to ada of `tenant` and returns it as `receiver` got it. */
async function emailOf(tenant: string, receiver: SmtpReceiver, title: string): Promise<ReceivedEmail> {
  const client = clients[tenant] as HeraldClient;
  const res = await client.send({ userIds: ["ada"], category: "news", title, body: "Body <b>text</b>." });
  const [delivery] = await settledDeliveries(client, res.notifications[0]?.id as string, Channel.EMAIL);
  expect(delivery?.status).toBe(DeliveryStatus.SENT);
  const mail = receiver.messages.find((m) => m.subject === title);
  expect(mail, `${title} at the expected receiver`).toBeDefined();
  return mail as ReceivedEmail;
}

const received = (title: string) =>
  [deploymentSmtp, smtpA, smtpA2].map((r) => r.messages.filter((m) => m.subject === title).length);

describe("a tenant's email settings", () => {
  it("sends A's email through A's server, from A, with A's Reply-To and layout", async () => {
    const mail = await emailOf("tenant-a", smtpA, "A one");
    expect(received("A one")).toEqual([0, 1, 0]);
    expect(mail.to).toEqual(["ada@tenant-a.example"]);
    expect(mail.from).toContain("no-reply@acme.example");
    expect(mail.headers["reply-to"]).toContain("help@acme.example");
    // Header bar in the colour, the logo (attribute-escaped), the body, the escaped footer.
    expect(mail.html).toContain("background-color:#ff6600");
    expect(mail.html).toContain(
      '<img src="https://cdn.acme.example/logo.png?size=2&amp;v=1" alt="Acme &quot;Shop&quot;"',
    );
    expect(mail.html).toContain("Body &lt;b&gt;text&lt;/b&gt;.");
    expect(mail.html).toContain("Acme Inc. &lt;Main St &amp; 5th&gt;");
    expect(mail.html).not.toContain("<Main St");
    const html = mail.html;
    expect(html.indexOf("#ff6600")).toBeLessThan(html.indexOf("Body &lt;b&gt;"));
    expect(html.indexOf("Body &lt;b&gt;")).toBeLessThan(html.indexOf("Acme Inc."));
    expect(html.match(/<body/g)).toHaveLength(1);
    expect(mail.text).toMatch(/Body <b>text<\/b>\.\n\nAcme Inc\. <Main St & 5th>$/);
  });

  it("wraps a template's HTML fragment in the layout too", async () => {
    const client = clients["tenant-a"] as HeraldClient;
    const res = await client.send({
      userIds: ["ada"],
      category: "news",
      templateKey: "hello",
      data: { name: "Ada" },
      title: "t",
      body: "b",
    });
    await settledDeliveries(client, res.notifications[0]?.id as string, Channel.EMAIL);
    const mail = smtpA.messages.find((m) => m.subject === "Hello") as ReceivedEmail;
    expect(mail.html).toMatch(
      /^<!doctype html><html><body><div style="background-color:#ff6600.*<p>Hi Ada<\/p>.*Acme Inc\./,
    );
  });

  it("puts nothing unchecked into the layout's attributes, whatever the stored settings hold", async () => {
    // Written past TenantService's validation, as an old or hand-edited row could be.
    await herald.tenant("tenant-c");
    const branding = { logoUrl: 'javascript:alert(1)"><script>', primaryColor: "red;x:url(a)", footerText: "<i>f</i>" };
    await herald.app.db.exec("UPDATE tenants SET settings = $1 WHERE id = 'tenant-c'", [
      JSON.stringify({ email: { fromAddress: "", replyTo: "", branding } }),
    ]);
    await herald.app.tenants.refresh();
    const key = await herald.apiKey(["admin"], "admin", "tenant-c");
    clients["tenant-c"] = connectClient(herald.url, key);
    await serviceClient(RecipientService, herald.url, key).upsertRecipient({ userId: "ada", email: "ada@c.example" });
    const mail = await emailOf("tenant-c", deploymentSmtp, "C one");
    expect(mail.html).not.toContain("<img");
    expect(mail.html).not.toContain("<script");
    expect(mail.html).not.toContain("red;");
    expect(mail.html).toContain("&lt;i&gt;f&lt;/i&gt;");
    expect(mail.from).toBe("Herald <notify@example.com>");
    expect(mail.headers["reply-to"]).toBeUndefined();
  });

  it("sends B's and the default tenant's email through the deployment's server, unbranded, from EMAIL_FROM", async () => {
    for (const tenant of ["tenant-b", "default"]) {
      const title = `${tenant} one`;
      const mail = await emailOf(tenant, deploymentSmtp, title);
      expect(received(title)).toEqual([1, 0, 0]);
      expect(mail.from).toBe("Herald <notify@example.com>");
      expect(mail.headers["reply-to"]).toBeUndefined();
      expect(mail.html).not.toContain("ff6600");
      expect(mail.html).not.toContain("<img");
      expect(mail.text).toBe("Body <b>text</b>.");
    }
  });

  it("sends A's SMS through A's Twilio account, the others' through the deployment's", async () => {
    for (const tenant of ["tenant-a", "tenant-b"]) {
      const client = clients[tenant] as HeraldClient;
      const res = await client.send({ userIds: ["ada"], category: "otp", title: tenant, body: "code 1" });
      const [delivery] = await settledDeliveries(client, res.notifications[0]?.id as string, Channel.SMS);
      expect(delivery?.status).toBe(DeliveryStatus.SENT);
    }
    const a = twilio.messages.find((m) => m.body.startsWith("tenant-a:"));
    const b = twilio.messages.find((m) => m.body.startsWith("tenant-b:"));
    expect(a).toMatchObject({ accountSid: accountA.accountSid, from: "+15551234567", to: "+14155550123" });
    expect(b).toMatchObject({ accountSid: twilio.accountSid, from: "+15005550006" });
  });

  it("never sends A's email through the deployment's server, even when A's is down", async () => {
    await smtpA.stop();
    try {
      const client = clients["tenant-a"] as HeraldClient;
      const res = await client.send({ userIds: ["ada"], category: "news", title: "A down", body: "x" });
      const id = res.notifications[0]?.id as string;
      // Retried (not sent elsewhere): the attempt names A's server without its password.
      await expect
        .poll(async () => (await client.getNotification({ id })).deliveries.find((d) => d.channel === Channel.EMAIL), {
          timeout: 10_000,
        })
        .toMatchObject({
          attemptHistory: expect.arrayContaining([
            expect.objectContaining({ provider: expect.stringMatching(/^tenant:smtp:\/\/127\.0\.0\.1:\d+$/) }),
          ]),
        });
      const text = JSON.stringify(await client.getNotification({ id }), (_k, v) =>
        typeof v === "bigint" ? String(v) : v,
      );
      expect(text).not.toContain("s3cret");
      expect(received("A down")[0]).toBe(0);
      await smtpA.start();
      await settledDeliveries(client, id, Channel.EMAIL);
      expect(received("A down")).toEqual([0, 1, 0]);
    } finally {
      await smtpA.start().catch(() => undefined);
    }
  });

  it("applies A's changed settings (UpdateTenant) to the next email, and none once they are cleared", async () => {
    const next = settingsA(smtpA2.url);
    next.email.fromAddress = "Acme Two <two@acme.example>";
    next.email.branding.footerText = "Second footer";
    await tenants.updateTenant({ id: "tenant-a", settings: next, updateMask: { paths: ["settings"] } });
    const moved = await emailOf("tenant-a", smtpA2, "A two");
    expect(received("A two")).toEqual([0, 0, 1]);
    expect(moved.from).toContain("two@acme.example");
    expect(moved.html).toContain("Second footer");
    expect(moved.text).toMatch(/\n\nSecond footer$/);

    await tenants.updateTenant({ id: "tenant-a", updateMask: { paths: ["settings"] } });
    const plain = await emailOf("tenant-a", deploymentSmtp, "A three");
    expect(received("A three")).toEqual([1, 0, 0]);
    expect(plain.from).toBe("Herald <notify@example.com>");
    expect(plain.html).not.toContain("Second footer");
  });
});
