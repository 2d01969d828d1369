/**
 * Herald's service worker for browser notifications: shows each Web Push
 * message Herald sends and opens its action_url when the notification is
 * clicked. Built as a classic script (web/README.md), so an app that has a
 * service worker of its own can `importScripts()` it instead of registering it.
 * Host it on the app's origin: a service worker serves only its own origin,
 * and pages under its folder (its scope).
 */
import { clickTarget, notificationFor, parsePush } from "./push-message.js";

declare const self: ServiceWorkerGlobalScope;

self.addEventListener("push", (event) => {
  const { title, options } = notificationFor(parsePush(event.data?.text()));
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data as { action_url?: unknown } | null;
  event.waitUntil(openOrFocus(clickTarget(data?.action_url, self.registration.scope)));
});

/**
 * Focuses a tab already showing the target (or, without a target, any tab of
 * the app), else opens the target (or the app's start page) in a new one.
 */
async function openOrFocus(target: string | null): Promise<void> {
  const tabs = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const open = tabs.find((tab) => (target === null ? tab.url.startsWith(self.registration.scope) : tab.url === target));
  if (open !== undefined) {
    await open.focus();
    return;
  }
  await self.clients.openWindow(target ?? self.registration.scope);
}
