import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { Platform, RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { TemplateService } from "../../gen/ts/herald/v1/template_service_pb.js";
import { WebhookService } from "../../gen/ts/herald/v1/webhook_service_pb.js";
import { WorkflowService } from "../../gen/ts/herald/v1/workflow_service_pb.js";
import { connectClient, serviceClient } from "../helpers/clients.js";
import { type ConsoleHerald, startConsoleHerald } from "./console-herald.js";
import { Code, codeOf, consolePageChecks } from "./console-page-checks.js";

// The browser globals page.evaluate's functions use (this project's tsconfig has no DOM library).
declare const document: { activeElement: { id: string } | null };

const chromiumPath = "/usr/bin/chromium";
const hasChromium = existsSync(chromiumPath);
const screenshots = path.resolve(import.meta.dirname, "../../docs/screenshots");

let c: ConsoleHerald;
let browser: Browser;
let page: Page;
let check: ReturnType<typeof consolePageChecks>;
const pageErrors: string[] = [];
const api = {
  recipients: () => serviceClient(RecipientService, c.herald.url, c.adminKey),
  templates: () => serviceClient(TemplateService, c.herald.url, c.adminKey),
  webhooks: () => serviceClient(WebhookService, c.herald.url, c.adminKey),
  workflows: () => serviceClient(WorkflowService, c.herald.url, c.adminKey),
  notifications: () => connectClient(c.herald.url, c.adminKey),
};
const open = (hash: string, heading: string) => check.open(hash, heading);
const describedBy = (selector: string) => check.describedBy(selector);

describe.skipIf(!hasChromium)(
  hasChromium
    ? "the console's recipients, templates, workflows and webhooks pages in Chromium"
    : `the console's management pages in Chromium: skipped, ${chromiumPath} is missing`,
  () => {
    beforeAll(async () => {
      mkdirSync(screenshots, { recursive: true });
      c = await startConsoleHerald();
      browser = await chromium.launch({
        executablePath: chromiumPath,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
      });
      page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
      page.setDefaultTimeout(15_000);
      check = consolePageChecks(page, c.consoleUrl);
      page.on("pageerror", (err) => pageErrors.push(err.message));
      // The pages must work under the console's Content-Security-Policy: any refusal is an error.
      page.on("console", (m) => {
        if (m.text().includes("Content Security Policy")) pageErrors.push(m.text());
      });
      await check.signIn(c.adminKey);
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      await c?.close();
    });

    it("creates a template: a syntax error shows next to its part, Preview renders the fixed HTML, Save stores it", async () => {
      await open("#/templates", "Templates");
      await check.accessibility("templates list");
      await check.phoneWidth("templates list");
      await page.getByLabel("Key").fill("order-shipped");
      await page.getByLabel("Channel").selectOption("email");
      await page.getByLabel("Locale").fill("en");
      await page.getByRole("button", { name: "Create" }).click();
      await page.locator("#part-subject").waitFor();
      await page.getByLabel("Subject").fill("Order {{order}} shipped");
      await page.getByLabel("HTML body (optional)").fill("<p>Hello {{#if name}}{{name}}</p>");
      await page.getByLabel("Text body").fill("Hello {{name}}, order {{order}} is on its way.");

      // Save refuses the unclosed block: the error names the html part and sits next to it.
      await page.getByRole("button", { name: "Save" }).click();
      await expect.poll(() => page.locator("#part-html").getAttribute("aria-invalid")).toBe("true");
      expect(await describedBy("#part-html")).toMatch(/template\.email\.html/);
      expect(await page.locator("#part-subject").getAttribute("aria-invalid")).toBeNull();
      await expect(
        codeOf(api.templates().getTemplate({ key: "order-shipped", channel: Channel.EMAIL, locale: "en" })),
      ).resolves.toBe(Code.NotFound);

      // Preview says the same, before anything is stored.
      await page.getByRole("button", { name: "Preview" }).click();
      await expect.poll(() => page.locator("#part-html").getAttribute("aria-invalid")).toBe("true");
      await check.accessibility("template editor with an error");

      await page.getByLabel("HTML body (optional)").fill("<p>Hello {{name}}, order {{order}} is on its way.</p>");
      await page.getByRole("button", { name: "Preview" }).click();
      const frame = page.locator("iframe#preview-html");
      await expect.poll(() => frame.getAttribute("srcdoc")).toContain("Hello Ada, order 1042 is on its way.");
      expect(await frame.getAttribute("sandbox")).toBe("");
      expect(await frame.getAttribute("title")).toMatch(/Email HTML preview/);
      expect(await page.locator("#preview-subject").textContent()).toBe("Order 1042 shipped");
      expect(await page.locator("#part-html").getAttribute("aria-invalid")).toBeNull();

      await page.getByRole("button", { name: "Save" }).click();
      await expect.poll(() => page.locator("#template-saved").textContent()).toMatch(/^Saved /);
      const { template } = await api
        .templates()
        .getTemplate({ key: "order-shipped", channel: Channel.EMAIL, locale: "en" });
      expect(template?.content.case === "email" && template.content.value.html).toBe(
        "<p>Hello {{name}}, order {{order}} is on its way.</p>",
      );
      await check.accessibility("template editor with a preview");
      await check.screenshot("console-templates.png");
      await check.phoneWidth("template editor");

      // Sample data without a variable the template uses: the render error points at a part, no stale preview stays.
      const sample = page.getByLabel("Sample data (JSON)");
      await sample.fill('{"name": "Ada"}');
      await page.getByRole("button", { name: "Preview" }).click();
      const invalid = page.locator("textarea[aria-invalid=true]");
      await invalid.waitFor();
      expect(await invalid.getAttribute("id")).toMatch(/^part-(subject|html|text)$/);
      expect(await describedBy(`#${await invalid.getAttribute("id")}`)).toMatch(/"order"/);
      expect(await page.locator("#preview-html").count()).toBe(0);
      await sample.fill('{"name": "Ada", "order": "1042"}');
      await page.getByRole("button", { name: "Preview" }).click();
      await page.locator("#preview-html").waitFor();
      expect(await invalid.count()).toBe(0);

      // Another locale of the same template: the sample data typed stays, and its preview shows at once.
      await api.templates().upsertTemplate({
        template: {
          key: "order-shipped",
          channel: Channel.EMAIL,
          locale: "de",
          content: { case: "email", value: { subject: "Bestellung {{order}} verschickt", text: "Hallo {{name}}" } },
        },
      });
      await open("#/templates", "Templates");
      await open("#/templates/order-shipped/email/en", "Templates");
      await page.getByLabel("Locale").selectOption("de");
      await page.getByRole("button", { name: "Open locale" }).click();
      await expect.poll(() => page.locator("#preview-subject").textContent()).toBe("Bestellung 1042 verschickt");
      expect(await page.getByLabel("Subject").inputValue()).toBe("Bestellung {{order}} verschickt");
    });

    it("sends a test of the template to a user and links to the notification", async () => {
      await c.addEmailRecipient("tester");
      await page.getByLabel("User id").fill("tester");
      await page.getByRole("button", { name: "Send test" }).click();
      const link = page.locator("#test-link");
      await link.waitFor();
      const href = (await link.getAttribute("href")) ?? "";
      expect(href).toMatch(/^#\/notifications\/[0-9a-f-]{36}$/);
      const { notification } = await api.notifications().getNotification({ id: href.split("/")[2] as string });
      expect(notification?.userId).toBe("tester");
      expect(notification?.category).toBe("console.test");
    });

    it("looks up a recipient with contact data masked until shown, then erases them after the id is typed", async () => {
      await api.recipients().upsertRecipient({
        userId: "grace",
        email: "grace@example.com",
        phone: "+14155550123",
        locale: "en",
        attributes: { plan: "pro" },
      });
      await api
        .recipients()
        .registerDevice({ userId: "grace", platform: Platform.ANDROID, token: "fcm-token-for-grace-0001" });
      await api.notifications().updatePreferences({ userId: "grace", categories: { marketing: { email: false } } });
      await open("#/recipients", "Recipients");
      await page.getByLabel("User id").fill("grace");
      await page.getByRole("button", { name: "Look up" }).click();
      await page.locator("#contact-heading").waitFor();
      const text = () => page.locator("main").textContent();
      expect(await text()).toContain("g•••@example.com");
      expect(await text()).toContain("+1•••••0123");
      expect(await text()).not.toContain("grace@example.com");
      expect(await text()).not.toContain("fcm-token-for-grace-0001");
      const cells = (rowText: string) => page.locator("main tr", { hasText: rowText }).locator("td").allTextContents();
      // The defaults row: nothing set, so every channel is on; the category: email off, the rest follow the defaults.
      expect(new Set((await cells("All categories")).slice(1))).toEqual(new Set(["on"]));
      expect(await cells("marketing")).toContain("off");
      expect(await cells("marketing")).toContain("inherit");
      expect(await page.getByRole("link", { name: "Notifications of grace" }).getAttribute("href")).toBe(
        "#/activity?user=grace",
      );
      await check.accessibility("recipient");
      await check.screenshot("console-recipient.png");

      const toggle = page.getByRole("button", { name: "Show contact data" });
      await toggle.click();
      expect(await toggle.getAttribute("aria-pressed")).toBe("true");
      expect(await text()).toContain("grace@example.com");
      expect(await text()).toContain("+14155550123");
      await toggle.click();
      expect(await text()).not.toContain("grace@example.com");
      await check.phoneWidth("recipient");

      await page.getByRole("button", { name: "Erase user…" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.waitFor();
      const confirm = dialog.getByLabel("Type “grace” to confirm");
      const erase = dialog.getByRole("button", { name: "Erase", exact: true });
      expect(await erase.isDisabled()).toBe(true);
      await confirm.fill("grac");
      expect(await erase.isDisabled()).toBe(true);
      await check.accessibility("erase dialog");
      await confirm.fill("grace");
      await erase.click();
      await expect.poll(() => page.locator("#erase-result").textContent()).toMatch(/^Erased grace: /);
      // The dialog's opener went with the redrawn record: the focus is on the outcome, not lost.
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("erase-result");
      // GetRecipient answers every user id: an erased user has an empty record, never updated, no devices.
      const { recipient: erased } = await api.recipients().getRecipient({ userId: "grace" });
      expect(erased).toMatchObject({ email: "", phone: "", devices: [] });
      expect(erased?.updateTime).toBeUndefined();
      await expect.poll(() => text()).toContain("There is no recipient named grace.");
    });

    it("edits a workflow as JSON: a JSON mistake and a server refusal show inline, a valid one saves", async () => {
      await open("#/workflows/console-escalation", "Workflows");
      const source = page.getByLabel("Workflow (proto JSON)");
      await source.fill('{"key": "console-escalation", "steps": [');
      await page.getByRole("button", { name: "Save" }).click();
      await expect.poll(() => page.locator("#workflow-json").getAttribute("aria-invalid")).toBe("true");
      expect(await describedBy("#workflow-json")).toMatch(/^Workflow JSON: /);
      // Proto JSON that parses but names no enum value is refused before any request.
      await source.fill(
        JSON.stringify({ key: "console-escalation", steps: [{ deliver: { channels: ["CHANNEL_FAX"] } }] }),
      );
      await page.getByRole("button", { name: "Save" }).click();
      await expect.poll(() => describedBy("#workflow-json")).toMatch(/CHANNEL_FAX/);
      // The server's refusal (CEL that does not compile) names the step.
      const badCondition = { condition: { expression: "recipient.attributes.plan ==" } };
      const deliver = { deliver: { channels: ["CHANNEL_IN_APP"] } };
      await source.fill(JSON.stringify({ key: "console-escalation", steps: [badCondition, deliver] }));
      await page.getByRole("button", { name: "Save" }).click();
      await expect.poll(() => describedBy("#workflow-json")).toMatch(/steps\[0\]/);
      const valid = {
        key: "console-escalation",
        categories: ["console.esc"],
        steps: [{ deliver: { channels: ["CHANNEL_IN_APP"] } }],
      };
      await source.fill(JSON.stringify(valid));
      await page.getByRole("button", { name: "Save" }).click();
      await expect.poll(() => page.locator("#workflow-saved").textContent()).toMatch(/^Saved version 1/);
      expect(await page.locator("#workflow-json").getAttribute("aria-invalid")).toBeNull();
      expect((await api.workflows().getWorkflow({ key: "console-escalation" })).workflow?.categories).toEqual([
        "console.esc",
      ]);
      // A Send the workflow runs for appears under its recent runs, linking to the notification.
      const { notifications } = await api.notifications().send({
        userIds: ["wf-user"],
        category: "console.esc",
        title: "Escalate",
        body: "Body",
      });
      const runLink = page.locator(`a[href="#/notifications/${notifications[0]?.id}"]`);
      await expect
        .poll(async () => {
          await open("#/workflows", "Workflows");
          await open("#/workflows/console-escalation", "Workflows");
          await page.locator("#workflow-json").waitFor();
          await page.getByRole("heading", { name: "Recent runs" }).waitFor();
          return runLink.count();
        })
        .toBe(1);
      await check.accessibility("workflow editor");
      await check.phoneWidth("workflow editor");
      await open("#/workflows", "Workflows");
      await page.getByRole("link", { name: "console-escalation" }).waitFor();
      await check.accessibility("workflows list");
      await check.phoneWidth("workflows list");
    });

    it("disables a webhook endpoint", async () => {
      const { endpoint } = await api
        .webhooks()
        .createWebhookEndpoint({ url: "http://127.0.0.1:9/console-hook", categories: ["orders"] });
      await open("#/webhooks", "Webhooks");
      await page.getByRole("button", { name: "Disable http://127.0.0.1:9/console-hook" }).click();
      await page.getByRole("button", { name: "Enable http://127.0.0.1:9/console-hook" }).waitFor();
      const { endpoint: after } = await api.webhooks().getWebhookEndpoint({ id: endpoint?.id as string });
      expect(after?.enabled).toBe(false);
      await check.accessibility("webhooks");
      await check.phoneWidth("webhooks");
    });

    it("with a read key, offers no Erase, Save or Disable, and the server refuses them anyway", async () => {
      await api.recipients().upsertRecipient({ userId: "reader-sees", email: "seen@example.com" });
      await page.getByRole("button", { name: "Sign out" }).click();
      await check.signIn(c.readKey);
      await open("#/recipients/reader-sees", "Recipients");
      await page.locator("#contact-heading").waitFor();
      expect(await page.locator("main").textContent()).toContain("s•••@example.com");
      expect(await page.getByRole("button", { name: /Erase/ }).count()).toBe(0);
      // Templates and workflows are readable (and previewable) with read; saving needs admin.
      await open("#/templates/order-shipped/email/en", "Templates");
      await page.locator("#template-preview").waitFor();
      expect(await page.getByRole("button", { name: "Save" }).count()).toBe(0);
      await open("#/workflows/console-escalation", "Workflows");
      await page.getByText("console-escalation").first().waitFor();
      expect(await page.getByRole("button", { name: "Save" }).count()).toBe(0);
      // WebhookService is admin-only even to read (chat webhook URLs are credentials): no link, and the page says so.
      expect(await page.getByRole("link", { name: "Webhooks" }).count()).toBe(0);
      await open("#/webhooks", "Webhooks");
      await page.getByText("This page needs the admin scope.").waitFor();
      expect(await page.getByRole("button", { name: /^(Disable|Enable) / }).count()).toBe(0);

      const asReader = serviceClient(RecipientService, c.herald.url, c.readKey);
      await expect(codeOf(asReader.deleteRecipient({ userId: "reader-sees" }))).resolves.toBe(Code.PermissionDenied);
      expect(pageErrors).toEqual([]);
    });
  },
);
