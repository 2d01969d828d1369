import type { Config } from "../config.js";
import type { Deliverers } from "../domain/deliverer.js";
import type { Channel } from "../domain/notification.js";
import type { Queryable } from "../store/database.js";
import type { WebhookEndpointStore } from "../store/webhook-endpoint-store.js";
import { createEmailChannel } from "./email-channel.js";
import { createEmailSender } from "./email-sender.js";
import { createPushChannel } from "./push-channel.js";
import { createPushSender } from "./push-sender.js";
import { createSmsChannel } from "./sms-channel.js";
import { createSmsSender } from "./sms-sender.js";
import { tracedDeliverers } from "./traced-deliverers.js";
import { createWebhookChannel } from "./webhook-channel.js";
import { createWebhookSender } from "./webhook-sender.js";

export interface ConfiguredChannels {
  /** Every channel this server offers, in-app first. */
  available: Channel[];
  /** The queued channels' deliverers (in-app is not queued). */
  deliverers: Deliverers;
  close(): void;
}

/**
 * The channels the configuration turns on: in-app and webhooks always, email
 * with SMTP_URL, SMS with Twilio credentials, push with an FCM service account.
 */
export function configureChannels(
  config: Config,
  stores: { db: Queryable; endpoints: WebhookEndpointStore },
): ConfiguredChannels {
  const deliverers: Deliverers = {};
  if (config.smtpUrl !== null) {
    deliverers.email = createEmailChannel({
      sender: createEmailSender({
        smtpUrl: config.smtpUrl,
        from: config.emailFrom,
        maxConnections: config.emailPoolSize,
        socketTimeoutMs: config.deliveryTimeoutMs,
      }),
      preferencesUrl: config.preferencesUrl,
    });
  }
  if (config.twilio !== null) {
    deliverers.sms = createSmsChannel({
      sender: createSmsSender({
        baseUrl: config.twilio.baseUrl,
        accountSid: config.twilio.accountSid,
        authToken: config.twilio.authToken,
        ...(config.twilio.from !== null && { from: config.twilio.from }),
        ...(config.twilio.messagingServiceSid !== null && { messagingServiceSid: config.twilio.messagingServiceSid }),
        timeoutMs: config.deliveryTimeoutMs,
      }),
    });
  }
  if (config.fcm !== null) {
    deliverers.push = createPushChannel({
      sender: createPushSender({
        baseUrl: config.fcm.baseUrl,
        serviceAccount: config.fcm.serviceAccount,
        timeoutMs: config.deliveryTimeoutMs,
      }),
      db: stores.db,
    });
  }
  deliverers.webhook = createWebhookChannel({
    sender: createWebhookSender({
      timeoutMs: config.webhookTimeoutMs,
      allowPrivateNetworks: config.webhookAllowPrivateNetworks,
    }),
    endpoints: stores.endpoints,
    db: stores.db,
  });
  const order: Channel[] = ["email", "sms", "push", "webhook"];
  return {
    available: ["in_app", ...order.filter((c) => deliverers[c] !== undefined)],
    deliverers: tracedDeliverers(deliverers),
    close: () => {
      for (const d of Object.values(deliverers)) d?.close?.();
    },
  };
}
