import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { parseApiKey } from "../../src/auth/api-key-format.js";
import { createManageApiKeys } from "../../src/usecases/manage-api-keys.js";
import { connectClient, type HeraldClient } from "../helpers/clients.js";
import { waitFor } from "../helpers/wait.js";
import { type ConsoleHerald, startConsoleHerald } from "./console-herald.js";
import { axeCheck } from "./console-page.js";

// The browser globals that page.evaluate's functions use (this project's tsconfig has no DOM library).
declare const document: { activeElement: { tagName: string } | null; documentElement: { scrollWidth: number } };
declare const sessionStorage: { length: number; getItem(key: string): string | null };

const chromiumPath = "/usr/bin/chromium";
const hasChromium = existsSync(chromiumPath);
const screenshots = path.resolve(import.meta.dirname, "../../docs/screenshots");
const user = "ada-lovelace";

let c: ConsoleHerald;
let api: HeraldClient;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
/** A delivery the read-key test leaves dead, for the admin's single Retry. */
let leftDead = { notificationId: "", deliveryId: "" };

async function sendEmail(title: string): Promise<string> {
  const { notifications } = await api.send({
    userIds: [user],
    category: "billing.invoice",
    title,
    body: `Body of ${title}`,
    channels: [Channel.EMAIL],
  });
  return notifications[0]?.id as string;
}

async function emailDelivery(notificationId: string, status: DeliveryStatus) {
  return waitFor(
    async () => {
      const { deliveries } = await api.listDeliveries({ status, pageSize: 100 });
      return deliveries.find((d) => d.notificationId === notificationId);
    },
    30_000,
    `the email of ${notificationId} to be ${DeliveryStatus[status]}`,
    250,
  );
}

async function signIn(key: string) {
  await page.goto(c.consoleUrl);
  await page.getByLabel("API key (read or admin scope)").fill(key);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.locator("#who").waitFor();
}

const shoot = (name: string) => page.screenshot({ path: path.join(screenshots, name) });

describe.skipIf(!hasChromium)(
  hasChromium
    ? "the operator console in Chromium"
    : `the operator console in Chromium: skipped, ${chromiumPath} is missing`,
  () => {
    beforeAll(async () => {
      mkdirSync(screenshots, { recursive: true });
      c = await startConsoleHerald();
      api = connectClient(c.herald.url, c.adminKey);
      await c.addEmailRecipient(user);
      browser = await chromium.launch({
        executablePath: chromiumPath,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
      });
      page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
      page.setDefaultTimeout(15_000);
      page.on("pageerror", (err) => pageErrors.push(err.message));
      // The console must work under its own Content-Security-Policy: any refusal is an error.
      page.on("console", (m) => {
        if (m.text().includes("Content Security Policy")) pageErrors.push(m.text());
      });
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      await c?.close();
    });

    it("refuses a bad key with a clear message, then signs in with an admin key", async () => {
      await page.goto(c.consoleUrl);
      await axeCheck(page, "sign-in");
      await page.getByLabel("API key (read or admin scope)").fill("hk_not_a_real_key");
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await expect.poll(() => page.locator("#sign-in-error").textContent()).toContain("not accepted");
      await signIn(c.adminKey);
      expect(await page.locator("#who").textContent()).toContain("console admin");
      expect(await page.locator("#who").textContent()).toContain("admin");
      expect(await page.locator("nav a").allTextContents()).toContain("Dead letters");
      // The key lives in this tab's sessionStorage: a reload stays signed in.
      await page.reload();
      await page.locator("#who").waitFor();
    });

    it("finds an email notification in Activity by user id, newest first, and shows new ones as they come", async () => {
      const id = await sendEmail("Your invoice is ready");
      await emailDelivery(id, DeliveryStatus.SENT);
      await page.goto(`${c.consoleUrl}#/activity`);
      await page.getByLabel("User id").fill(user);
      await page.getByRole("button", { name: "Search" }).click();
      const row = page.locator(`tr[data-id="${id}"]`);
      await row.waitFor();
      expect(page.url()).toContain(`#/activity?user=${user}`);
      expect(await row.locator(".badge").textContent()).toBe("email: sent");
      // Focus moved to the page's heading.
      expect(await page.evaluate(() => document.activeElement?.tagName)).toBe("H1");
      await axeCheck(page, "activity");

      // Live: the first page polls; two more notifications appear on top, announced.
      const newer = [await sendEmail("Payment received"), await sendEmail("Receipt attached")];
      await page.locator(`tr[data-id="${newer[1]}"]`).waitFor({ timeout: 30_000 });
      await page.locator(`tr[data-id="${newer[0]}"]`).waitFor({ timeout: 30_000 });
      await expect
        .poll(() => page.locator("[role=status]").textContent(), { timeout: 15_000 })
        .toMatch(/new notification/);
      expect(await page.locator("tbody tr").first().getAttribute("data-id")).not.toBe(id);
      await shoot("console-activity.png");
    }, 90_000);

    it("shows a notification's life: email preview in a sandboxed frame and the attempts", async () => {
      await page.getByRole("link", { name: "Your invoice is ready" }).click();
      const frame = page.locator("iframe.email-preview");
      await frame.waitFor();
      expect(await frame.getAttribute("sandbox")).toBe("");
      expect(await frame.getAttribute("title")).toContain("Email preview");
      const srcdoc = (await frame.evaluate((f) => (f as unknown as { srcdoc: string }).srcdoc)) as string;
      expect(srcdoc).toContain("Body of Your invoice is ready");
      expect(await page.locator(".rendered[data-channel=email]").textContent()).toContain("Your invoice is ready");
      const attempts = page.locator(".delivery table tbody tr");
      expect(await attempts.count()).toBeGreaterThanOrEqual(1);
      expect(await attempts.first().textContent()).toContain("sent");
      expect(await page.locator("h1").textContent()).toBe("Your invoice is ready");
      await axeCheck(page, "notification");
      await shoot("console-notification.png");
    });

    it("cancels a notification's scheduled deliveries from its page", async () => {
      const { notifications } = await api.send({
        userIds: [user],
        category: "billing.reminder",
        title: "Reminder for tomorrow",
        body: "Later",
        channels: [Channel.EMAIL],
        sendAt: timestampFromMs(Date.now() + 86_400_000),
      });
      const id = notifications[0]?.id as string;
      await page.goto(`${c.consoleUrl}#/notifications/${id}`);
      expect(await page.locator(".delivery h3 .badge").first().textContent()).toBe("scheduled");
      page.once("dialog", (dialog) => void dialog.accept());
      await page.getByRole("button", { name: "Cancel scheduled deliveries" }).click();
      await expect.poll(() => page.locator(".delivery h3 .badge").first().textContent()).toBe("canceled");
      expect(await page.getByRole("button", { name: "Cancel scheduled deliveries" }).count()).toBe(0);
    });

    it("can be used with the keyboard: a skip link first, then the navigation", async () => {
      await page.goto(`${c.consoleUrl}#/activity`);
      await page.locator("h1").waitFor();
      // The first thing Tab reaches, and visible once it has the focus.
      expect(await page.evaluate("document.querySelector('a[href], button, input, select').textContent")).toBe(
        "Skip to content",
      );
      const skip = page.getByRole("link", { name: "Skip to content" });
      await skip.focus();
      expect((await skip.boundingBox())?.x).toBeGreaterThanOrEqual(0);
      await page.keyboard.press("Enter");
      expect(await page.evaluate("document.activeElement.id")).toBe("main");
      expect(page.url()).toContain("#/activity");
      // Following a link with the keyboard moves the focus to the new page's heading.
      await page.locator('nav a[href="#/health"]').focus();
      await page.keyboard.press("Enter");
      await expect.poll(() => page.evaluate("document.activeElement.textContent")).toBe("Health");
    });

    it("retries a dead delivery from Dead letters, and it is sent once the mail server is back", async () => {
      await c.smtp.stop();
      const id = await sendEmail("Your card was declined");
      const dead = await emailDelivery(id, DeliveryStatus.DEAD);
      await page.goto(`${c.consoleUrl}#/dead-letters`);
      const row = page.locator(`tr[data-delivery-id="${dead.id}"]`);
      await row.waitFor();
      expect(await row.textContent()).toContain(user);
      expect(await row.textContent()).toContain("Your card was declined");
      await axeCheck(page, "dead-letters");
      await shoot("console-dead-letters.png");
      await row.getByRole("checkbox").check();
      await c.smtp.start();
      await page.getByRole("button", { name: "Retry selected" }).click();
      await expect.poll(() => row.locator("td").last().textContent()).toContain("retried");
      // Select all skips a row already retried: it is never sent again.
      await page.locator("#select-all").check();
      expect(await row.getByRole("checkbox").isChecked()).toBe(false);
      // The retried delivery goes out through the restarted sink; its life page says so.
      await emailDelivery(id, DeliveryStatus.SENT);
      await page.goto(`${c.consoleUrl}#/notifications/${id}`);
      await expect
        .poll(() => page.locator(`.delivery[data-delivery-id="${dead.id}"] h3 .badge`).textContent())
        .toBe("sent");
    }, 90_000);

    it("charts the pipeline's health and shows its numbers as text", { timeout: 60_000 }, async () => {
      await page.goto(`${c.consoleUrl}#/health`);
      await page.locator(".chart canvas").first().waitFor();
      expect(await page.locator(".chart").count()).toBe(3);
      const facts = await page.locator("#health-facts").textContent();
      expect(facts).toContain("Outbox backlog");
      expect(facts).toContain("Open streams");
      expect(await page.locator(".numbers table").textContent()).toContain("email");
      // Two more samples, so the charts draw lines (rates need two) for the screenshot.
      await sendEmail("Health check");
      await page.waitForTimeout(11_000);
      await axeCheck(page, "health");
      await shoot("console-health.png");
    });

    it("works at phone width: nothing wider than the screen but the tables' own scroll", async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${c.consoleUrl}#/activity?user=${user}`);
      await page.locator("tbody tr").first().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      // The filters of a filtered view are folded away on a phone; a tap opens them.
      expect(await page.getByLabel("User id").isVisible()).toBe(false);
      await page.getByText("Filters (1 set)").click();
      expect(await page.getByLabel("User id").inputValue()).toBe(user);
      await page.getByText("Filters (1 set)").click();
      await axeCheck(page, "activity at 390 px");
      await page.locator(".results").scrollIntoViewIfNeeded();
      await shoot("console-phone.png");
      await page.setViewportSize({ width: 1280, height: 800 });
    });

    it("a read key sees dead letters without Retry, and the server refuses the RPC forced from the page", async () => {
      await c.smtp.stop();
      const id = await sendEmail("Your plan renews soon");
      const dead = await emailDelivery(id, DeliveryStatus.DEAD);
      leftDead = { notificationId: id, deliveryId: dead.id };
      await page.goto(`${c.consoleUrl}#/activity`);
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByLabel("API key (read or admin scope)").waitFor();
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
      await signIn(c.readKey);
      expect(await page.locator("#who").textContent()).toContain("scopes: read");

      await page.goto(`${c.consoleUrl}#/dead-letters`);
      await page.locator(`tr[data-delivery-id="${dead.id}"]`).waitFor();
      expect(await page.locator("#retry-selected").count()).toBe(0);
      expect(await page.locator("input[type=checkbox]").count()).toBe(0);
      await page.goto(`${c.consoleUrl}#/notifications/${id}`);
      await page.locator(`.delivery[data-delivery-id="${dead.id}"]`).waitFor();
      expect(await page.getByRole("button", { name: /Retry/ }).count()).toBe(0);

      // Forced: the same call the Retry button makes, with the page's own credential.
      const forced = await page.evaluate(async (deliveryId) => {
        const { token } = JSON.parse(sessionStorage.getItem("herald-console-credential") as string);
        const res = await fetch("/herald.v1.OperatorService/RetryDeliveries", {
          method: "POST",
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
          body: JSON.stringify({ deliveryIds: [deliveryId] }),
        });
        return { status: res.status, body: (await res.json()) as { code: string } };
      }, dead.id);
      expect(forced.status).toBe(403);
      expect(forced.body.code).toBe("permission_denied");
      await c.smtp.start();
    }, 90_000);

    it("an admin retries one dead delivery from its notification's page", async () => {
      await page.locator("#sign-out").click();
      await signIn(c.adminKey);
      await page.goto(`${c.consoleUrl}#/notifications/${leftDead.notificationId}`);
      const delivery = page.locator(`.delivery[data-delivery-id="${leftDead.deliveryId}"]`);
      await delivery.getByRole("button", { name: "Retry the email delivery" }).click();
      await expect.poll(() => page.locator("[role=status]").textContent()).toBe("Delivery retried");
      await emailDelivery(leftDead.notificationId, DeliveryStatus.SENT);
      await page.reload();
      await expect.poll(() => delivery.locator("h3 .badge").textContent()).toBe("sent");
    });

    it("a stored key that was revoked since ends the session with a message", async () => {
      const key = await c.herald.apiKey(["read"], "soon revoked");
      await page.locator("#sign-out").click();
      await signIn(key);
      await createManageApiKeys({ db: c.herald.app.db }).revoke(parseApiKey(key)?.id as string);
      await page.reload();
      await expect.poll(() => page.locator("#sign-in-error").textContent()).toContain("Your session ended");
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    });

    it("a key revoked while signed in ends the session at its next call, without a reload", async () => {
      const key = await c.herald.apiKey(["read"], "revoked mid-session");
      // The test before ended at sign-in, its key forgotten.
      await signIn(key);
      await createManageApiKeys({ db: c.herald.app.db }).revoke(parseApiKey(key)?.id as string);
      let round = 0;
      await expect
        .poll(
          async () => {
            // Each round makes a call: the page it opens searches (caches may answer for a while).
            if (!(await page.locator("#sign-in-error").isVisible())) {
              await page.evaluate((h) => {
                (globalThis as unknown as { location: { hash: string } }).location.hash = h;
              }, `#/activity?category=round-${round++}`);
            }
            return page.locator("#sign-in-error").textContent();
          },
          { timeout: 30_000, interval: 500 },
        )
        .toContain("Your session ended");
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    }, 60_000);

    it("raised no script errors", () => {
      expect(pageErrors).toEqual([]);
    });
  },
);
