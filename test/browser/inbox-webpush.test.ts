import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Platform, RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { type FakePushService, type FakeSubscription, startFakePushService } from "../helpers/fake-push-service.js";
import { waitFor } from "../helpers/wait.js";
import { startWebPushHerald, type WebPushHerald } from "./webpush-herald.js";
import { activeWorkers, deliverPush, shownNotifications, stubPushManager } from "./webpush-page.js";

const chromiumPath = "/usr/bin/chromium";
const hasChromium = existsSync(chromiumPath);

let herald: WebPushHerald;
let push: FakePushService;
let sender: HeraldClient;
let recipients: ReturnType<typeof serviceClient<typeof RecipientService>>;
let browser: Browser;
const pageErrors: string[] = [];

const webPushDevices = async (userId: string) =>
  ((await recipients.getRecipient({ userId })).recipient?.devices ?? []).filter(
    (d) => d.platform === Platform.WEB_PUSH,
  );

/** A new context (its own service workers and subscriptions) with a page of the user's inbox, panel open. */
async function openInbox(
  userId: string,
  options: { grant?: boolean; subscriptions?: FakeSubscription[]; query?: string } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  if (options.grant ?? true) await context.grantPermissions(["notifications"], { origin: herald.url });
  if (options.subscriptions !== undefined) await stubPushManager(context, options.subscriptions);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (err) => pageErrors.push(err.message));
  await page.goto(`${herald.url}/?user=${userId}${options.query ?? ""}`);
  await page.locator("herald-inbox[connection=live]").waitFor();
  await page.locator("herald-inbox .bell").click();
  return { context, page };
}

const toggle = (page: Page) => page.locator("herald-inbox .push-toggle");
const message = (page: Page) => page.locator("herald-inbox .push-message");
const pushState = (page: Page, state: string) => page.locator(`herald-inbox[web-push=${state}]`).waitFor();

describe.skipIf(!hasChromium)(
  hasChromium
    ? "browser notifications in <herald-inbox>"
    : `browser notifications: skipped, ${chromiumPath} is missing`,
  () => {
    beforeAll(async () => {
      herald = await startWebPushHerald();
      push = await startFakePushService({ publicKey: herald.vapid.publicKey, subject: herald.vapid.subject });
      sender = connectClient(herald.url, herald.apiKey);
      recipients = serviceClient(RecipientService, herald.url, herald.apiKey);
      browser = await chromium.launch({
        executablePath: chromiumPath,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
      });
    });
    afterAll(async () => {
      await browser?.close();
      await push?.close();
      await herald?.close();
    });

    it("offers the button only when the page names the worker and the server has a key", async () => {
      const { context, page } = await openInbox("ana", { query: "&worker=0" });
      await pushState(page, "unavailable");
      expect(await page.locator("herald-inbox .push").isHidden()).toBe(true);

      await page.goto(`${herald.url}/?user=ana`);
      await pushState(page, "off");
      await page.locator("herald-inbox .bell").click();
      expect(await toggle(page).textContent()).toBe("Enable browser notifications");

      // A server without Web Push answers an empty key.
      await page.route("**/herald.v1.RecipientService/GetWebPushKey", (route) =>
        route.fulfill({ status: 200, contentType: "application/json", body: "{}" }),
      );
      await page.reload();
      await page.locator("herald-inbox[connection=live]").waitFor();
      await pushState(page, "unavailable");
      await context.close();
    });

    it("says so when the user blocks notifications, and registers nothing", async () => {
      const { context, page } = await openInbox("bo", { grant: false });
      await pushState(page, "off");
      await toggle(page).click();
      // Headless Chromium answers requestPermission() with "denied" when nothing was granted.
      await message(page).filter({ hasText: "Notifications are blocked for this site" }).waitFor();
      await pushState(page, "off");
      expect(await webPushDevices("bo")).toEqual([]);
      await context.close();
    });

    it("reports the browser's own refusal to subscribe (Chromium's real push service, in a private context)", async () => {
      const { context, page } = await openInbox("cy");
      await toggle(page).click();
      // Playwright's contexts are off the record, where Chromium has no push service and says this.
      await message(page).filter({ hasText: "Registration failed - permission denied" }).waitFor();
      await pushState(page, "off");
      expect(await webPushDevices("cy")).toEqual([]);
      // The worker was installed all the same, on the page's origin.
      expect(await activeWorkers(page)).toEqual([`${herald.url}/herald-push-sw.js`]);
      await context.close();
    });

    it("enables: registers the subscription as a PLATFORM_WEB_PUSH device, once; disables: removes it", async () => {
      const [first, second] = [push.subscribe(), push.subscribe()] as [FakeSubscription, FakeSubscription];
      const { context, page } = await openInbox("dee", { subscriptions: [first, second] });
      await toggle(page).click();
      await pushState(page, "on");
      expect(await toggle(page).textContent()).toBe("Disable browser notifications");
      expect((await webPushDevices("dee")).map((d) => d.token)).toEqual([first.endpoint]);

      // A reload registers the browser's subscription again: the same device, not a second one.
      await page.reload();
      await pushState(page, "on");
      await waitFor(async () => (await webPushDevices("dee")).length === 1, 5000, "one device");

      await page.locator("herald-inbox .bell").click();
      await toggle(page).click();
      await pushState(page, "off");
      expect(await webPushDevices("dee")).toEqual([]);

      // Enabling again subscribes anew (the old subscription ended): still one device.
      await toggle(page).click();
      await pushState(page, "on");
      expect((await webPushDevices("dee")).map((d) => d.token)).toEqual([second.endpoint]);
      expect(pageErrors).toEqual([]);
      await context.close();
    });

    it("on a browser shared by two users, the second gets a subscription of their own", async () => {
      const [gus, hal] = [push.subscribe(), push.subscribe()] as [FakeSubscription, FakeSubscription];
      const { context, page } = await openInbox("gus", { subscriptions: [gus, hal] });
      await toggle(page).click();
      await pushState(page, "on");
      // Hal signs in on the same browser: Gus's subscription is not Hal's to register (PERMISSION_DENIED).
      await page.goto(`${herald.url}/?user=hal`);
      await pushState(page, "off");
      await page.locator("herald-inbox .bell").click();
      await toggle(page).click();
      await pushState(page, "on");
      expect((await webPushDevices("hal")).map((d) => d.token)).toEqual([hal.endpoint]);
      // Gus's device stays until the push service answers 410 for the ended subscription.
      expect((await webPushDevices("gus")).map((d) => d.token)).toEqual([gus.endpoint]);
      await context.close();
    });

    it("shows what Herald pushes: Send, the push service's encrypted message, the worker's notification", async () => {
      const subscription = push.subscribe();
      const { context, page } = await openInbox("eve", { subscriptions: [subscription] });
      await toggle(page).click();
      await pushState(page, "on");
      const before = push.received.length;
      await sender.send({
        userIds: ["eve"],
        category: "chat.message",
        title: "New message",
        body: "Grüße, Eve! <b>hi</b>",
        actionUrl: "https://app.example.com/chat/7",
      });
      const [received] = (await push.waitForReceived(before + 1)).slice(before);
      expect(received?.endpoint).toBe(subscription.endpoint);
      // What the push service decrypted is handed to the worker as the browser would.
      await deliverPush(context, page, herald.url, JSON.stringify(received?.payload));
      const shown = await waitFor(async () => (await shownNotifications(page)).at(0), 5000, "a notification");
      expect(shown).toMatchObject({
        title: "New message",
        body: "Grüße, Eve! <b>hi</b>",
        tag: received?.payload.notification_id,
        data: { action_url: "https://app.example.com/chat/7", category: "chat.message", priority: "normal" },
      });
      expect(pageErrors).toEqual([]);
      await context.close();
    });
  },
);
