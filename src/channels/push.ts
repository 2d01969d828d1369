import { readFileSync } from "node:fs";
import { PermanentDeliveryError } from "../domain/delivery-errors.js";
import { recipientStore } from "../store/recipient-store.js";
import { channelModule } from "./channel-module.js";
import { type ServiceAccount, serviceAccountFields } from "./google-access-tokens.js";
import { createPushSender } from "./push-sender.js";

/** The push section: FCM_SERVICE_ACCOUNT_FILE turns push on. */
export interface PushSettings {
  baseUrl: string;
  serviceAccount: ServiceAccount;
}

/**
 * Push through FCM HTTP v1: one delivery per registered device (the delivery's
 * target). A token FCM reports unregistered is removed, so later notifications
 * do not try it again.
 */
export const pushChannel = channelModule<PushSettings>({
  id: "push",
  label: "Push",
  targets: ["devices"],
  // Browsers' own Web Push subscriptions (web_push) go through the webpush channel.
  devicePlatforms: ["android", "ios", "web"],
  content: {
    parts: { title: { maxChars: 200 }, body: { maxChars: 5_000 } },
    fromDraft: (n) => ({ title: n.title, body: n.body }),
  },
  readSettings(env) {
    const file = env.str("FCM_SERVICE_ACCOUNT_FILE", null);
    if (file === null) return null;
    try {
      const account = JSON.parse(readFileSync(file, "utf8")) as Partial<ServiceAccount>;
      const missing = serviceAccountFields.filter((k) => !account[k]);
      if (missing.length > 0) throw new Error(`it lacks ${missing.join(", ")}`);
      return {
        baseUrl: env.url("FCM_BASE_URL", ["https:", "http:"]) ?? "https://fcm.googleapis.com",
        serviceAccount: account as ServiceAccount,
      };
    } catch (error) {
      env.problems.push(`FCM_SERVICE_ACCOUNT_FILE must name a service account key file: ${(error as Error).message}`);
      return null;
    }
  },
  createDeliverer(settings, deps) {
    const sender = createPushSender({
      baseUrl: settings.baseUrl,
      serviceAccount: settings.serviceAccount,
      timeoutMs: deps.timeoutMs,
    });
    return {
      async deliver({ delivery, notification, content }, signal) {
        // Planned without a target when push was asked for and the user has no device.
        if (delivery.target === "") throw new PermanentDeliveryError("the recipient has no registered device");
        const device = await recipientStore.device(deps.db, notification.tenantId, delivery.target);
        if (device === null || device.userId !== notification.userId) {
          throw new PermanentDeliveryError("the device is no longer registered");
        }
        try {
          return await sender.send(
            {
              token: device.token,
              title: content?.title ?? "",
              body: content?.body ?? "",
              data: {
                notification_id: notification.id,
                category: notification.category,
                ...(notification.actionUrl !== "" && { action_url: notification.actionUrl }),
              },
              priority: notification.priority === "high" || notification.priority === "critical" ? "high" : "normal",
            },
            signal,
          );
        } catch (error) {
          if (error instanceof PermanentDeliveryError && error.reason === "unregistered") {
            await recipientStore.deleteDevice(deps.db, notification.tenantId, device.id);
          }
          throw error;
        }
      },
    };
  },
});
