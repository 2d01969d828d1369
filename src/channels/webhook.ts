import { toJson } from "@bufbuild/protobuf";
import { NotificationSchema } from "../../gen/ts/herald/v1/notification_pb.js";
import { notificationToPb } from "../contract/notification.js";
import { PermanentDeliveryError } from "../domain/delivery-errors.js";
import { channelModule } from "./channel-module.js";
import { checkWebhookUrl } from "./network-guard.js";
import { createWebhookSender } from "./webhook-sender.js";

/** The webhook section (webhooks are always on). */
export interface WebhookSettings {
  /** An endpoint must answer 2xx within this long. */
  timeoutMs: number;
  /** How long a rotated-out secret keeps signing. */
  secretGraceHours: number;
}

/**
 * Webhooks: one delivery per enabled endpoint whose categories match (the
 * delivery's target), posted as a Standard Webhooks event
 * `{type, timestamp, data}` whose data is the notification in the contract's
 * JSON form. webhook-id is the delivery id, so receivers can drop
 * redeliveries. An endpoint that answers 410 Gone is disabled.
 */
export const webhookChannel = channelModule<WebhookSettings>({
  id: "webhook",
  label: "Webhook",
  targets: ["endpoints"],
  content: null,
  checkEndpointUrl: (url, egress) => checkWebhookUrl(url, egress),
  readSettings: (env) => ({
    timeoutMs: env.int("WEBHOOK_TIMEOUT_MS", 10_000, 100, 120_000),
    secretGraceHours: env.int("WEBHOOK_SECRET_GRACE_HOURS", 24, 0, 24 * 30),
  }),
  createDeliverer(settings, deps) {
    const sender = createWebhookSender({
      timeoutMs: settings.timeoutMs,
      allowPrivateNetworks: deps.egress.allowPrivateNetworks,
    });
    return {
      async deliver({ delivery, notification }, signal) {
        // A Send that asked for webhooks when no endpoint matched (plan-deliveries.ts): no endpoint id to look up.
        if (delivery.target === "") {
          throw new PermanentDeliveryError("no enabled webhook endpoint matches this notification's category");
        }
        const endpoint = await deps.endpoints.get(deps.db, notification.tenantId, delivery.target);
        if (endpoint === null) throw new PermanentDeliveryError("the webhook endpoint was deleted");
        if (!endpoint.enabled) throw new PermanentDeliveryError("the webhook endpoint is disabled");
        const timestamp = new Date();
        try {
          return await sender.send(
            {
              url: endpoint.url,
              secrets: endpoint.secrets,
              id: delivery.id,
              timestamp,
              payload: {
                type: "notification.created",
                timestamp: timestamp.toISOString(),
                data: { notification: toJson(NotificationSchema, notificationToPb(notification)) },
              },
            },
            signal,
          );
        } catch (error) {
          if (error instanceof PermanentDeliveryError && error.reason === "gone") {
            await deps.endpoints.disable(deps.db, notification.tenantId, endpoint.id, "the endpoint answered 410 Gone");
          }
          throw error;
        }
      },
      close: () => sender.close(),
    };
  },
});
