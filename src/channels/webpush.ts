import { PermanentDeliveryError } from "../domain/delivery-errors.js";
import type { Priority } from "../domain/notification.js";
import { recipientStore } from "../store/recipient-store.js";
import { channelModule, type Egress } from "./channel-module.js";
import { checkWebhookUrl } from "./network-guard.js";
import { checkVapidKeys, checkVapidSubject, isP256Point, type VapidKeys } from "./vapid.js";
import { webPushPayload } from "./webpush-payload.js";
import { createWebPushSender, type WebPushMessage } from "./webpush-sender.js";

/** The webpush section: the VAPID key pair and subject, all three set, turn it on. */
export interface WebPushSettings {
  vapid: VapidKeys;
}

const variables = ["WEBPUSH_VAPID_PUBLIC_KEY", "WEBPUSH_VAPID_PRIVATE_KEY", "WEBPUSH_SUBJECT"] as const;

/**
 * How long a push service keeps a message for an offline browser, and how
 * eagerly it wakes one on battery, by priority: a low one is stale within
 * hours, a critical one is still worth showing after a weekend offline.
 */
const byPriority: Record<Priority, Pick<WebPushMessage, "ttlSeconds" | "urgency">> = {
  low: { ttlSeconds: 4 * 3600, urgency: "low" },
  normal: { ttlSeconds: 24 * 3600, urgency: "normal" },
  high: { ttlSeconds: 24 * 3600, urgency: "high" },
  critical: { ttlSeconds: 72 * 3600, urgency: "high" },
};

/** What is wrong with a subscription's endpoint, or null: https to a public address, unless egress allows private networks. */
export function checkPushEndpoint(url: string, egress: Egress): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not a valid URL";
  }
  // Credentials would be stored and sent to whoever answers.
  if (parsed.username !== "" || parsed.password !== "") return "must not contain credentials";
  const schemes = egress.allowPrivateNetworks ? ["https:", "http:"] : ["https:"];
  if (!schemes.includes(parsed.protocol)) return "must be an https URL";
  if (checkWebhookUrl(url, egress) !== null) return "must reach a public address, not a private or special-purpose one";
  return null;
}

/**
 * Web Push (RFC 8030, VAPID RFC 8292, aes128gcm RFC 8291) straight to each
 * browser's push service, no relay: one delivery per subscription the user
 * registered (a web_push device, the delivery's target). A subscription the
 * push service reports gone (404, 410) is removed, so later notifications do
 * not try it again.
 */
export const webPushChannel = channelModule<WebPushSettings>({
  id: "webpush",
  label: "Browser push",
  targets: ["devices"],
  devicePlatforms: ["web_push"],
  content: {
    parts: { title: { maxChars: 200 }, body: { maxChars: 2_000 } },
    fromDraft: (n) => ({ title: n.title, body: n.body }),
  },
  checkDevice(device, egress) {
    const endpointProblem = checkPushEndpoint(device.token, egress);
    if (endpointProblem !== null) return { field: "web_push.endpoint", problem: endpointProblem };
    if (device.webPush === null || !isP256Point(device.webPush.p256dh)) {
      return { field: "web_push.keys.p256dh", problem: "is not a P-256 public key (65 bytes, uncompressed)" };
    }
    return null;
  },
  readSettings(env) {
    const [publicKey, privateKey, subject] = variables.map((name) => env.str(name, null));
    if (publicKey === null && privateKey === null && subject === null) return null;
    if (publicKey == null || privateKey == null || subject == null) {
      const unset = variables.filter((name) => env.str(name, null) === null);
      env.problems.push(`${variables.join(", ")} turn Web Push on together; ${unset.join(" and ")} not set`);
      return null;
    }
    const problem = checkVapidKeys({ publicKey, privateKey }) ?? checkVapidSubject(subject);
    if (problem !== null) {
      env.problems.push(problem);
      return null;
    }
    return { vapid: { publicKey, privateKey, subject } };
  },
  createDeliverer(settings, deps) {
    const sender = createWebPushSender({
      vapid: settings.vapid,
      timeoutMs: deps.timeoutMs,
      allowPrivateNetworks: deps.egress.allowPrivateNetworks,
    });
    return {
      async deliver({ delivery, notification, content }, signal) {
        // Planned without a target when webpush was asked for and the user has no subscription.
        if (delivery.target === "") throw new PermanentDeliveryError("the recipient has no browser subscribed");
        const device = await recipientStore.device(deps.db, notification.tenantId, delivery.target);
        if (device === null || device.userId !== notification.userId || device.webPush === undefined) {
          throw new PermanentDeliveryError("the device is no longer registered");
        }
        const payload = webPushPayload(notification, { title: content?.title ?? "", body: content?.body ?? "" });
        try {
          return await sender.send(
            { endpoint: device.token, keys: device.webPush, payload, ...byPriority[notification.priority] },
            signal,
          );
        } catch (error) {
          if (error instanceof PermanentDeliveryError && error.reason === "unregistered") {
            await recipientStore.deleteDevice(deps.db, notification.tenantId, device.id);
          }
          throw error;
        }
      },
      close: () => sender.close(),
    };
  },
});
