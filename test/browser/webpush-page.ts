import type { BrowserContext, Page } from "playwright-core";
import type { FakeSubscription } from "../helpers/fake-push-service.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Test-only stand-in for the browser's push service: from now on the pages of
 * this context get these subscriptions (made by the fake push service, whose
 * keys decrypt what Herald sends) from PushManager.subscribe(), in order, and
 * getSubscription() gives the current one, across reloads. Everything else
 * (permission, service worker, Herald's calls) is the browser's and the
 * component's own. Chromium's real subscribe cannot work here (see the test).
 */
export async function stubPushManager(context: BrowserContext, subscriptions: FakeSubscription[]): Promise<void> {
  const list = subscriptions.map((s) => ({ endpoint: s.endpoint, ...s.keys }));
  // A script, as the page runs it (this file is type-checked without browser types).
  await context.addInitScript({
    content: `(() => {
  const subs = ${JSON.stringify(list)};
  const bytes = (b64url) => {
    const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0)).buffer;
  };
  const stored = () => JSON.parse(sessionStorage.getItem("stub-push") ?? '{"next":0,"current":null}');
  const subscription = (index, key) => {
    const s = subs[index];
    return {
      endpoint: s.endpoint,
      expirationTime: null,
      options: { userVisibleOnly: true, applicationServerKey: bytes(key) },
      toJSON: () => ({ endpoint: s.endpoint, expirationTime: null, keys: { p256dh: s.p256dh, auth: s.auth } }),
      unsubscribe: async () => {
        sessionStorage.setItem("stub-push", JSON.stringify({ ...stored(), current: null }));
        return true;
      },
    };
  };
  PushManager.prototype.subscribe = async function (options) {
    const { next } = stored();
    if (next >= subs.length) throw new DOMException("no stub subscription left", "AbortError");
    const key = String(options.applicationServerKey);
    sessionStorage.setItem("stub-push", JSON.stringify({ next: next + 1, current: { index: next, key } }));
    return subscription(next, key);
  };
  PushManager.prototype.getSubscription = async function () {
    const { current } = stored();
    return current === null ? null : subscription(current.index, current.key);
  };
})();`,
  });
}

/**
 * Delivers a push message to the origin's service worker the way Chromium
 * delivers one from its push service (DevTools' "Push" button: the worker
 * gets a trusted `push` event with this data).
 */
export async function deliverPush(context: BrowserContext, page: Page, origin: string, data: string): Promise<void> {
  const cdp = await context.newCDPSession(page);
  const registrations: Array<{ registrationId: string; scopeURL: string; isDeleted: boolean }> = [];
  cdp.on("ServiceWorker.workerRegistrationUpdated", (e) => registrations.push(...e.registrations));
  await cdp.send("ServiceWorker.enable");
  const registration = await waitFor(
    () => registrations.find((r) => r.scopeURL === `${origin}/` && !r.isDeleted),
    5000,
    "the worker's registration",
  );
  await cdp.send("ServiceWorker.deliverPushMessage", { origin, registrationId: registration.registrationId, data });
  await cdp.detach();
}

/** The notifications the origin's worker shows now. */
export function shownNotifications(
  page: Page,
): Promise<Array<{ title: string; body: string; tag: string; data: unknown }>> {
  return page.evaluate(`(async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    const shown = (await registration?.getNotifications()) ?? [];
    return shown.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data }));
  })()`);
}

/** The script URLs of the page origin's active service workers. */
export function activeWorkers(page: Page): Promise<string[]> {
  return page.evaluate(
    "navigator.serviceWorker.getRegistrations().then((all) => all.map((r) => r.active && r.active.scriptURL))",
  );
}
