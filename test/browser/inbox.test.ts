import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeKind } from "../../gen/ts/herald/v1/feed_pb.js";
import { connectClient, type HeraldClient } from "../helpers/clients.js";
import { waitFor } from "../helpers/wait.js";
import { type DevWebHerald, startDevWebHerald } from "./dev-web-herald.js";

const chromiumPath = "/usr/bin/chromium";
const hasChromium = existsSync(chromiumPath);
const screenshot = path.resolve(import.meta.dirname, "../../docs/screenshots/inbox.png");
const user = "demo-user";

let herald: DevWebHerald;
let sender: HeraldClient; // gRPC over HTTP/2, as a backend sends
let reader: HeraldClient; // Connect, to check what the server stored
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

const items = () => page.locator("herald-inbox .item");
const item = (title: string) => page.locator("herald-inbox .item", { hasText: title });
const badge = () => page.locator("herald-inbox .badge");

async function send(title: string, extra: { actionUrl?: string; category?: string; body?: string } = {}) {
  const { notifications } = await sender.send({
    userIds: [user],
    category: extra.category ?? "demo",
    title,
    body: extra.body ?? `Body of ${title}`,
    actionUrl: extra.actionUrl ?? "",
  });
  return notifications[0]?.id as string;
}

/**
 * Opens the demo page and its panel, and waits until the live feed is up and
 * the opening marked everything seen (the badge counts unseen notifications).
 */
async function openInbox() {
  await page.goto(`${herald.url}/`);
  await page.locator("herald-inbox[connection=live]").waitFor({ timeout: 10_000 });
  await page.locator("herald-inbox .bell").click();
  await waitFor(async () => (await reader.list({ userId: user })).unseenCount === 0, 5000, "all seen");
  await badge().waitFor({ state: "hidden" });
}

async function badgeCount(): Promise<number> {
  return (await badge().isVisible()) ? Number(await badge().textContent()) : 0;
}

async function serverNotification(id: string) {
  for (const archived of [false, true]) {
    const { notifications } = await reader.list({ userId: user, archived, pageSize: 100 });
    const found = notifications.find((n) => n.id === id);
    if (found !== undefined) return { ...found, archived };
  }
  return undefined;
}

describe.skipIf(!hasChromium)(
  hasChromium ? "<herald-inbox> in Chromium" : `<herald-inbox> in Chromium: skipped, ${chromiumPath} is missing`,
  () => {
    beforeAll(async () => {
      herald = await startDevWebHerald();
      sender = connectClient(herald.url, herald.apiKey, "grpc");
      reader = connectClient(herald.url, herald.apiKey);
      browser = await chromium.launch({
        executablePath: chromiumPath,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
      });
      context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
      page = await context.newPage();
      page.setDefaultTimeout(10_000);
      page.on("pageerror", (err) => pageErrors.push(err.message));
    });
    afterAll(async () => {
      await browser?.close();
      await herald?.close();
    });

    it("shows a notification sent over gRPC, badge included, within a second, as text", async () => {
      await openInbox();
      await page.locator("herald-inbox .empty").waitFor({ state: "visible" });
      const before = await badgeCount();
      const started = Date.now();
      const title = "Your order <b>#1042</b> has shipped <img src=x onerror=alert(1)>";
      await send(title, { category: "orders.shipped" });
      await item("Your order").waitFor({ timeout: 1000 });
      await page
        .locator("herald-inbox .badge", { hasText: new RegExp(`^${before + 1}$`) })
        .waitFor({ timeout: Math.max(1, 1000 - (Date.now() - started)) });
      expect(Date.now() - started).toBeLessThan(1000);
      // Escaped: the markup in the title is shown as characters, not parsed.
      expect(await item("Your order").locator(".title").textContent()).toBe(title);
      expect(await page.locator("herald-inbox .item b, herald-inbox .item img").count()).toBe(0);
    });

    it("marks a notification read on click, on the server, and follows its action_url", async () => {
      await openInbox();
      const id = await send("Invoice ready", { actionUrl: "/preferences?from=inbox" });
      await item("Invoice ready").locator(".open").click();
      await page.waitForURL(/\/preferences\?from=inbox$/);
      const stored = await serverNotification(id);
      expect(stored?.readTime).toBeDefined();
    });

    it("follows other devices: reads, archives and mark-all from elsewhere update the list and badge", async () => {
      await openInbox();
      const a = await send("Read elsewhere");
      const b = await send("Archived elsewhere");
      await item("Archived elsewhere").waitFor();
      const phone = connectClient(herald.url, herald.apiKey);
      await phone.markRead({ userId: user, notificationIds: [a] });
      await page.locator("herald-inbox .item.read", { hasText: "Read elsewhere" }).waitFor({ timeout: 2000 });
      await phone.markRead({ userId: user, notificationIds: [b], change: ChangeKind.ARCHIVED });
      await item("Archived elsewhere").waitFor({ state: "detached", timeout: 2000 });
      expect(await badgeCount()).toBe((await reader.list({ userId: user })).unseenCount);
    });

    it("archives with the item's button and marks everything read with 'Mark all read'", async () => {
      await openInbox();
      const id = await send("Archive me");
      await send("Still unread");
      await item("Archive me").locator(".archive").click();
      await item("Archive me").waitFor({ state: "detached" });
      await waitFor(async () => (await serverNotification(id))?.archived, 5000, "the archive on the server");
      await page.locator("herald-inbox .mark-all").click();
      await badge().waitFor({ state: "hidden", timeout: 2000 });
      await waitFor(async () => (await reader.list({ userId: user })).unreadCount === 0, 5000, "no unread");
      expect(await page.locator("herald-inbox .item.unread").count()).toBe(0);
    });

    it("keeps preference toggles across a reload, stored server-side", async () => {
      await page.goto(`${herald.url}/preferences`);
      const ready = page.locator("herald-preferences[state=ready]");
      await ready.waitFor();
      const box = (category: string, channel: string) =>
        page.locator(`herald-preferences tr[data-category="${category}"] input[data-channel="${channel}"]`);
      // Only the channels this server offers get a column (no SMS or push without Twilio and FCM).
      const columns = await page.locator("herald-preferences thead th").allTextContents();
      expect(columns.filter((c) => c !== "")).toEqual(["Category", "In-app", "Email", "Webhook"]);
      expect(await page.locator('herald-preferences input[data-channel="sms"]').count()).toBe(0);
      expect(await box("", "email").isChecked()).toBe(true);
      await box("", "email").click();
      await ready.waitFor();
      await page.locator("herald-preferences form input").fill("billing");
      await page.locator("herald-preferences form button").click();
      expect(await box("billing", "webhook").isChecked()).toBe(true);
      await box("billing", "webhook").click();
      await ready.waitFor();

      const { preferences } = await reader.getPreferences({ userId: user });
      expect(preferences?.defaults?.email).toBe(false);
      expect(preferences?.categories.billing).toMatchObject({ webhook: false });
      expect(preferences?.categories.billing?.email).toBeUndefined();

      await page.reload();
      await ready.waitFor();
      expect(await box("", "email").isChecked()).toBe(false);
      expect(await box("", "in_app").isChecked()).toBe(true);
      expect(await box("billing", "webhook").isChecked()).toBe(false);
      // Unset in the category: follows the defaults, shown as inherited.
      expect(await box("billing", "email").isChecked()).toBe(false);
      expect(await box("billing", "email").getAttribute("class")).toContain("inherited");
    });

    it("sets quiet hours on the preferences page, in the browser's time zone, and clears them", async () => {
      // A context of its own, so the browser's zone is known (and not UTC).
      const nyContext = await browser.newContext({ timezoneId: "America/New_York" });
      try {
        const nyPage = await nyContext.newPage();
        nyPage.setDefaultTimeout(10_000);
        nyPage.on("pageerror", (err) => pageErrors.push(err.message));
        await nyPage.goto(`${herald.url}/preferences`);
        const ready = nyPage.locator("herald-preferences[state=ready]");
        await ready.waitFor();
        const quiet = (name: string) => nyPage.locator(`herald-preferences .quiet input[name="${name}"]`);
        const save = nyPage.locator("herald-preferences .quiet .save");
        expect(await quiet("enabled").isChecked()).toBe(false);
        expect(await quiet("start").isDisabled()).toBe(true);

        await quiet("enabled").check();
        await quiet("start").fill("22:30");
        await quiet("end").fill("06:45");
        await save.click();
        await nyPage.locator("herald-preferences[state=ready] .status", { hasText: "Saved." }).waitFor();
        const { preferences } = await reader.getPreferences({ userId: user });
        expect(preferences?.quietHours).toMatchObject({
          window: { start: { hour: 22, minute: 30 }, end: { hour: 6, minute: 45 } },
          channels: [],
          timezone: "America/New_York",
        });

        // Same times refused on the page, before any call.
        await quiet("end").fill("22:30");
        await save.click();
        await nyPage.locator("herald-preferences .status", { hasText: "different start and end" }).waitFor();

        await nyPage.reload();
        await ready.waitFor();
        expect(await quiet("enabled").isChecked()).toBe(true);
        expect([await quiet("start").inputValue(), await quiet("end").inputValue()]).toEqual(["22:30", "06:45"]);
        expect(await nyPage.locator("herald-preferences .quiet .zone").textContent()).toContain("America/New_York");

        await quiet("enabled").uncheck();
        await save.click();
        await nyPage.locator("herald-preferences[state=ready] .status", { hasText: "Saved." }).waitFor();
        expect((await reader.getPreferences({ userId: user })).preferences?.quietHours).toBeUndefined();
      } finally {
        await nyContext.close();
      }
    });

    it("catches up after a dropped connection: every missed notification once, resumed from its cursor", async () => {
      await openInbox();
      const resumes: string[] = [];
      page.on("request", (req) => {
        if (req.url().endsWith("/Subscribe")) resumes.push(req.postData() ?? "");
      });
      await context.setOffline(true);
      for (const socket of herald.subscribeSockets) socket.destroy();
      await page.locator("herald-inbox[connection=reconnecting]").waitFor({ timeout: 5000 });
      const missed = ["Missed while offline 1", "Missed while offline 2", "Missed while offline 3"];
      for (const title of missed) await send(title);
      expect(await page.locator("herald-inbox .item", { hasText: "Missed while offline" }).count()).toBe(0);

      await context.setOffline(false);
      await page.locator("herald-inbox[connection=live]").waitFor({ timeout: 15_000 });
      for (const title of missed) await item(title).waitFor({ timeout: 5000 });
      await page.waitForTimeout(300); // room for a duplicate to show up, were there one
      for (const title of missed) expect(await item(title).count()).toBe(1);
      expect(await badgeCount()).toBe((await reader.list({ userId: user })).unseenCount);
      // The reconnect asked for the events after the last one seen, not for a fresh start.
      expect(resumes.at(-1)).toMatch(/"cursor":"\d+"/);
    });

    it("loads older pages when the list is scrolled to the bottom", async () => {
      for (let i = 1; i <= 12; i++) await send(`Older news ${i}`);
      await openInbox();
      const total = (await reader.list({ userId: user, pageSize: 100 })).notifications.length;
      await page.evaluate("document.querySelector('herald-inbox').setAttribute('page-size', '2')");
      // Pages load until the list overflows its panel, and then only on scrolling.
      await waitFor(async () => (await items().count()) >= 4, 5000, "the panel filled");
      await page.waitForTimeout(300);
      expect(await items().count()).toBeLessThan(total);
      await page.locator("herald-inbox .list").hover();
      for (let i = 0; i < 20 && (await items().count()) < total; i++) {
        await page.mouse.wheel(0, 1000);
        await page.waitForTimeout(100);
      }
      expect(await items().count()).toBe(total);
    });

    it("takes the screenshot for the README", async () => {
      await reader.markRead({ userId: user, all: true, change: ChangeKind.ARCHIVED });
      await send("Welcome to Acme", { category: "welcome", body: "Your workspace is ready. Invite your team." });
      const read = await send("Invoice #2025-114 is available", {
        category: "billing",
        body: "Your November invoice of $49.00 has been issued.",
      });
      await reader.markRead({ userId: user, notificationIds: [read] });
      await send("Your order has shipped", { category: "orders.shipped", body: "Order #1042 arrives on Thursday." });
      await send("Alex mentioned you", { category: "comments", body: "“Can you review the Q4 roadmap draft?”" });
      await openInbox();
      await item("Alex mentioned you").waitFor();
      mkdirSync(path.dirname(screenshot), { recursive: true });
      await page.screenshot({ path: screenshot });
      expect(existsSync(screenshot)).toBe(true);
      expect(pageErrors).toEqual([]);
    });
  },
);
