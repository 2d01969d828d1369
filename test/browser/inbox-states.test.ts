import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { timestampDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeKind } from "../../gen/ts/herald/v1/feed_pb.js";
import type { Action } from "../../gen/ts/herald/v1/notification_pb.js";
import { connectClient, type HeraldClient } from "../helpers/clients.js";
import { waitFor } from "../helpers/wait.js";
import { axeCheck } from "./console-page.js";
import { type DevWebHerald, startDevWebHerald } from "./dev-web-herald.js";

// The inbox states of README "Inbox states" in <herald-inbox>: the unseen badge,
// tabs with counts, action buttons, the snooze menu, and live updates, retracts,
// returns and expiries. The demo page carries tabs "All" and "Mentions" (tag `mention`).

const chromiumPath = "/usr/bin/chromium";
const hasChromium = existsSync(chromiumPath);
const screenshots = path.resolve(import.meta.dirname, "../../docs/screenshots");
const user = "demo-user";

let herald: DevWebHerald;
let api: HeraldClient; // the backend's API key, over Connect
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

type ActionInit = Pick<Action, "id" | "label"> & { url?: string };
interface SendExtra {
  body?: string;
  category?: string;
  tags?: string[];
  actions?: ActionInit[];
  ttlSeconds?: number;
}

async function send(title: string, extra: SendExtra = {}): Promise<string> {
  const { notifications } = await api.send({
    userIds: [user],
    category: extra.category ?? "demo",
    title,
    body: extra.body ?? `Body of ${title}`,
    tags: extra.tags ?? [],
    actions: extra.actions ?? [],
    ttl: extra.ttlSeconds === undefined ? undefined : { seconds: BigInt(extra.ttlSeconds) },
  });
  return notifications[0]?.id as string;
}

const item = (title: string) => page.locator("herald-inbox .item", { hasText: title });
const badge = () => page.locator("herald-inbox .badge");
const tab = (id: string) => page.locator(`herald-inbox .tab[data-tab="${id}"]`);
/** The tab's unread count as shown, once it reads `n`. */
const tabCount = (id: string, n: number) => tab(id).locator(".count", { hasText: new RegExp(`^${n}$`) });
const serverList = (more: { snoozed?: boolean; tabs?: { id: string; tags?: string[] }[] } = {}) =>
  api.list({ userId: user, pageSize: 100, ...more });

/** Archives everything, so each test starts from an empty inbox. */
async function emptyInbox() {
  await api.markRead({ userId: user, all: true, change: ChangeKind.ARCHIVED });
}

/** Loads the demo page, waits for the live feed and the first page; `open` also opens the panel (marking all seen). */
async function loadInbox(open = true) {
  await page.goto(`${herald.url}/`);
  await page.locator("herald-inbox[connection=live]").waitFor({ timeout: 10_000 });
  await page.locator("herald-inbox .empty, herald-inbox .item").first().waitFor({ state: "attached" });
  if (!open) return;
  await page.locator("herald-inbox .bell").click();
  await waitFor(async () => (await serverList()).unseenCount === 0, 5000, "all seen");
}

describe.skipIf(!hasChromium)(
  hasChromium ? "<herald-inbox> inbox states in Chromium" : `inbox states: skipped, ${chromiumPath} is missing`,
  () => {
    beforeAll(async () => {
      // A fast return and expiry sweep, so snoozes and ttls end within the test.
      herald = await startDevWebHerald({ INBOX_TIMERS_INTERVAL_MS: "200" });
      api = connectClient(herald.url, herald.apiKey);
      browser = await chromium.launch({
        executablePath: chromiumPath,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
      });
      const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
      page = await context.newPage();
      page.setDefaultTimeout(10_000);
      page.on("pageerror", (err) => pageErrors.push(err.message));
    });
    afterAll(async () => {
      await browser?.close();
      await herald?.close();
    });

    it("badges unseen (not unread) notifications; opening the panel marks them seen on the server, not read", async () => {
      await emptyInbox();
      const [a] = [await send("First news"), await send("Second news"), await send("Third news")];
      await api.markRead({ userId: user, notificationIds: [a as string], change: ChangeKind.SEEN });
      const before = await serverList();
      expect([before.unseenCount, before.unreadCount]).toEqual([2, 3]);

      await loadInbox(false);
      await badge().filter({ hasText: /^2$/ }).waitFor();
      expect(await page.locator("herald-inbox .bell").getAttribute("aria-label")).toBe(
        "Notifications, 2 new notifications",
      );
      await page.locator("herald-inbox .bell").click();
      await badge().waitFor({ state: "hidden" });
      const after = await waitFor(async () => {
        const res = await serverList();
        return res.unseenCount === 0 && res;
      });
      expect(after.unreadCount).toBe(3);
      expect(after.notifications.every((n) => n.seenTime !== undefined && n.readTime === undefined)).toBe(true);
      expect(await page.locator("herald-inbox .item.unread").count()).toBe(3);

      // A live arrival counts again, while the panel is open, until it is next opened.
      await send("Fourth news");
      await badge().filter({ hasText: /^1$/ }).waitFor();
      expect((await serverList()).unseenCount).toBe(1);
    });

    it("shows tabs with unread counts from Herald, filters the list by tab, and follows live changes", async () => {
      await emptyInbox();
      await send("Build passed");
      await send("Ada mentioned you", { tags: ["mention"] });
      await loadInbox();
      await tabCount("all", 2).waitFor();
      await tabCount("mentions", 1).waitFor();
      expect(await tab("all").getAttribute("aria-selected")).toBe("true");
      expect(await tab("mentions").evaluate((el) => el.textContent)).toBe("Mentions1 unread");

      await tab("mentions").click();
      await item("Build passed").waitFor({ state: "detached" });
      expect(await page.locator("herald-inbox .item").allInnerTexts()).toHaveLength(1);
      expect(await tab("mentions").getAttribute("aria-selected")).toBe("true");

      // Live: an untagged one is counted in All but not listed here; a mention is listed and counted.
      await send("Deploy finished");
      await tabCount("all", 3).waitFor();
      await send("Grace mentioned you", { tags: ["mention", "team"] });
      await item("Grace mentioned you").waitFor();
      await tabCount("mentions", 2).waitFor();
      expect(await item("Deploy finished").count()).toBe(0);
      const { tabCounts } = await serverList({ tabs: [{ id: "all" }, { id: "mentions", tags: ["mention"] }] });
      expect(tabCounts.map((c) => [c.id, c.unreadCount])).toEqual([
        ["all", 4],
        ["mentions", 2],
      ]);

      // Reading one counts down the tabs; the keyboard moves between tabs.
      await item("Grace mentioned you").locator(".open").click();
      await tabCount("mentions", 1).waitFor();
      await tabCount("all", 3).waitFor();
      await tab("mentions").focus();
      await page.keyboard.press("ArrowLeft");
      await item("Deploy finished").waitFor();
      expect(await tab("all").getAttribute("aria-selected")).toBe("true");
      expect(await page.evaluate("document.querySelector('herald-inbox').shadowRoot.activeElement.dataset.tab")).toBe(
        "all",
      );

      // A mistake in the attribute names the field, and the inbox shows no tabs rather than failing.
      const error = page.evaluate(
        `new Promise((resolve) => document.addEventListener("herald-error", (e) => resolve(e.detail.error.rawMessage), { once: true }))`,
      );
      await page.evaluate(
        `document.querySelector("herald-inbox").setAttribute("tabs", '[{"id":"Mentions","label":"M"}]')`,
      );
      expect(await error).toContain("tabs[0].id");
      await page.locator("herald-inbox .tabs").waitFor({ state: "hidden" });
      await item("Deploy finished").waitFor();
    });

    it("takes named actions through InteractNotification and shows the action taken, also from elsewhere", async () => {
      await emptyInbox();
      const id = await send("Approve expense €120?", {
        actions: [
          { id: "approve", label: "Approve" },
          { id: "decline", label: "Decline" },
          { id: "details", label: "Details", url: "/preferences?from=action" },
        ],
      });
      await send("Markup in a label", { actions: [{ id: "x", label: "<img src=x onerror=alert(1)>" }] });
      await loadInbox();
      // Labels are text, never markup.
      expect(await item("Markup in a label").locator(".action").textContent()).toBe("<img src=x onerror=alert(1)>");
      expect(await page.locator("herald-inbox .item img").count()).toBe(0);
      const expense = item("Approve expense");
      expect(await expense.locator(".action").allTextContents()).toEqual(["Approve", "Decline", "Details"]);
      expect(await expense.locator("a.action").getAttribute("href")).toBe(`${herald.url}/preferences?from=action`);
      await expense.locator("button.action", { hasText: "Approve" }).click();
      await expense.locator(".taken", { hasText: "You chose: Approve" }).waitFor();
      const stored = await waitFor(async () => {
        const n = (await serverList()).notifications.find((m) => m.id === id);
        return n?.interaction?.actionId === "approve" && n;
      });
      expect(stored.readTime).toBeDefined();
      expect(await expense.getAttribute("class")).toContain("read");
      expect(await expense.locator("button.action", { hasText: "Approve" }).getAttribute("aria-pressed")).toBe("true");

      // Loaded later, from List's interaction field.
      await loadInbox();
      await item("Approve expense").locator(".taken", { hasText: "You chose: Approve" }).waitFor();
      // Taken on another device: the `interacted` event shows it live.
      await api.interactNotification({ userId: user, id, actionId: "decline" });
      await item("Approve expense").locator(".taken", { hasText: "You chose: Decline" }).waitFor();
      expect(await item("Approve expense").locator("button.action.chosen").textContent()).toBe("Decline");

      // A link action is recorded, then followed.
      await item("Approve expense").locator("a.action").click();
      await page.waitForURL(/\/preferences\?from=action$/);
      const after = (await serverList()).notifications.find((m) => m.id === id);
      expect(after?.interaction?.actionId).toBe("details");
    });

    it("snoozes from the keyboard-usable menu; the item leaves and comes back live at the top", async () => {
      await emptyInbox();
      const id = await send("Snooze me");
      await loadInbox();
      const snoozeButton = item("Snooze me").locator("button.snooze");
      await snoozeButton.click();
      const menu = item("Snooze me").locator("[role=menu]");
      await menu.waitFor();
      expect(await snoozeButton.getAttribute("aria-expanded")).toBe("true");
      const entries = menu.locator("[role=menuitem]");
      expect(await entries.count()).toBe(3);
      expect(await entries.first().textContent()).toBe("1 hour");
      await page.keyboard.press("ArrowDown");
      expect(
        await entries
          .nth(1)
          .evaluate((el) => el === (el.getRootNode() as unknown as { activeElement: unknown }).activeElement),
      ).toBe(true);
      await page.keyboard.press("Escape"); // closes the menu, not the panel
      await menu.waitFor({ state: "hidden" });
      expect(await page.locator("herald-inbox .panel").isVisible()).toBe(true);
      await page.keyboard.press("Enter"); // the focus went back to the button
      await menu.waitFor();
      const clicked = Date.now();
      await entries.first().click();
      await item("Snooze me").waitFor({ state: "detached" });
      const snoozed = await waitFor(async () =>
        (await serverList({ snoozed: true })).notifications.find((n) => n.id === id),
      );
      const until = timestampDate(snoozed.snoozeUntil ?? timestampFromMs(0)).getTime();
      expect(Math.abs(until - (clicked + 3_600_000))).toBeLessThan(60_000);

      // Unsnoozed from elsewhere: back at its old place.
      await api.unsnoozeNotifications({ userId: user, notificationIds: [id] });
      await item("Snooze me").waitFor();

      // A short snooze ends while the page watches: it returns above a newer notification.
      await api.snoozeNotifications({
        userId: user,
        notificationIds: [id],
        snoozeUntil: timestampFromMs(Date.now() + 2000),
      });
      await item("Snooze me").waitFor({ state: "detached" });
      await send("Newer than the snoozed one");
      await item("Newer than the snoozed one").waitFor();
      await item("Snooze me").waitFor({ timeout: 15_000 });
      expect(await page.locator("herald-inbox .item .title").first().textContent()).toBe("Snooze me");
      expect((await serverList()).notifications[0]?.id).toBe(id);
    });

    it("applies UpdateNotification in place, and removes retracted and expired notifications live", async () => {
      await emptyInbox();
      const id = await send("Draft: build 41 is running");
      const retracted = await send("Sent by mistake");
      await loadInbox();
      const element = await item("Draft: build 41").elementHandle();
      await api.updateNotification({ id, title: "Build 41 passed", body: "All 212 tests passed." });
      await item("Build 41 passed").waitFor();
      expect(await item("Build 41 passed").locator(".body").textContent()).toBe("All 212 tests passed.");
      // The same element, updated in place (no rebuild of the list).
      expect(await element?.evaluate((el) => el.isConnected && el.textContent?.includes("Build 41 passed"))).toBe(true);
      // New action buttons, live.
      await api.updateNotification({ id, actions: { actions: [{ id: "deploy", label: "Deploy now" }] } });
      await item("Build 41 passed").getByRole("button", { name: "Deploy now" }).waitFor();

      await api.retractNotification({ id: retracted });
      await item("Sent by mistake").waitFor({ state: "detached" });

      await send("Flash sale ends soon", { ttlSeconds: 2 });
      await item("Flash sale").waitFor();
      await badge().filter({ hasText: /^1$/ }).waitFor();
      await item("Flash sale").waitFor({ state: "detached", timeout: 15_000 });
      await badge().waitFor({ state: "hidden" });
      const server = await serverList();
      expect(server.notifications.map((n) => n.title)).toEqual(["Build 41 passed"]);
      expect(server.unseenCount).toBe(0);
    });

    it("takes the README screenshots (tabs with action buttons, the snooze menu), accessible to axe-core", async () => {
      await emptyInbox();
      await send("Invoice #2025-114 is available", {
        category: "billing",
        body: "Your November invoice of $49.00 has been issued.",
        actions: [{ id: "open", label: "View invoice", url: "/preferences" }],
      });
      const expense = await send("Approve expense: €120 taxi", {
        category: "expense.approval",
        body: "Ada submitted a taxi to the airport.",
        actions: [
          { id: "approve", label: "Approve" },
          { id: "reject", label: "Reject" },
          { id: "details", label: "Details", url: "/preferences" },
        ],
      });
      await api.interactNotification({ userId: user, id: expense, actionId: "approve" });
      await send("Alex mentioned you", {
        category: "comments",
        body: "“Can you review the Q4 roadmap draft?”",
        tags: ["mention"],
        actions: [
          { id: "reply", label: "Reply" },
          { id: "view", label: "View comment", url: "/preferences" },
        ],
      });
      await loadInbox();
      await tabCount("mentions", 1).waitFor();
      await item("Approve expense").locator(".taken").waitFor();
      mkdirSync(screenshots, { recursive: true });
      await page.screenshot({ path: path.join(screenshots, "inbox-tabs.png") });
      await axeCheck(page, "inbox with tabs and actions");

      await item("Alex mentioned you").locator("button.snooze").click();
      await item("Alex mentioned you").locator("[role=menu]").waitFor();
      await page.screenshot({ path: path.join(screenshots, "inbox-snooze.png") });
      await axeCheck(page, "inbox with the snooze menu open");
      expect(existsSync(path.join(screenshots, "inbox-snooze.png"))).toBe(true);
      expect(pageErrors).toEqual([]);
    });
  },
);
