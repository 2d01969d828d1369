import { toJson } from "@bufbuild/protobuf";
import { NotificationSchema } from "../../gen/ts/herald/v1/notification_pb.js";
import { notificationToPb } from "../contract/notification.js";
import type { Deliverer } from "../domain/deliverer.js";
import { PermanentDeliveryError } from "../domain/delivery-errors.js";
import type { Queryable } from "../store/database.js";
import type { WebhookEndpointStore } from "../store/webhook-endpoint-store.js";
import type { WebhookSender } from "./webhook-sender.js";

/**
 * Webhooks: one delivery per endpoint (the delivery's target), posted as a
 * Standard Webhooks event `{type, timestamp, data}` whose data is the
 * notification in the contract's JSON form. webhook-id is the delivery id, so
 * receivers can drop redeliveries. An endpoint that answers 410 Gone is disabled.
 */
export function createWebhookChannel(options: {
  sender: WebhookSender;
  endpoints: Pick<WebhookEndpointStore, "get" | "disable">;
  /** Where endpoints are read and disabled (the pool). */
  db: Queryable;
}): Deliverer {
  return {
    async deliver({ delivery, notification }, signal) {
      const endpoint = await options.endpoints.get(options.db, delivery.target);
      if (endpoint === null) throw new PermanentDeliveryError("the webhook endpoint was deleted");
      if (!endpoint.enabled) throw new PermanentDeliveryError("the webhook endpoint is disabled");
      const timestamp = new Date();
      try {
        return await options.sender.send(
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
          await options.endpoints.disable(options.db, endpoint.id, "the endpoint answered 410 Gone");
        }
        throw error;
      }
    },
    close: () => options.sender.close(),
  };
}
