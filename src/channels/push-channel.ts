import type { PushContent } from "../domain/content.js";
import type { Deliverer } from "../domain/deliverer.js";
import { PermanentDeliveryError } from "../domain/delivery-errors.js";
import type { Queryable } from "../store/database.js";
import { recipientStore } from "../store/recipient-store.js";
import type { PushSender } from "./push-sender.js";

/**
 * Push: one delivery per device (the delivery's target). A token FCM reports
 * unregistered is removed, so later notifications do not try it again.
 */
export function createPushChannel(options: {
  sender: PushSender;
  /** Where devices are read and removed (the pool). */
  db: Queryable;
}): Deliverer {
  return {
    async deliver({ delivery, notification, content }, signal) {
      const device = await recipientStore.device(options.db, delivery.target);
      if (device === null || device.userId !== notification.userId)
        throw new PermanentDeliveryError("the device is no longer registered");
      const push = content as PushContent;
      try {
        return await options.sender.send(
          {
            token: device.token,
            title: push.title,
            body: push.body,
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
          await recipientStore.deleteDevice(options.db, device.id);
        }
        throw error;
      }
    },
  };
}
