import { NotFoundError } from "../domain/errors.js";
import type { Delivery, Notification } from "../domain/notification.js";
import type { Principal } from "../domain/principal.js";
import type { DeliveryStore } from "../store/delivery-store.js";
import type { NotificationStore } from "../store/notification-store.js";
import { requireScope } from "./access.js";

/**
 * GetNotification: a notification and its deliveries. Another user's
 * notification is reported as not found, so ids cannot be probed.
 */
export function createGetNotification(deps: { notifications: NotificationStore; deliveries: DeliveryStore }) {
  return async function getNotification(
    principal: Principal,
    id: string,
  ): Promise<{ notification: Notification; deliveries: Delivery[] }> {
    if (principal.kind === "api_key") requireScope(principal, "read", "read notifications");
    const notification = await deps.notifications.get(id);
    if (notification === null || (principal.kind === "user" && notification.userId !== principal.userId)) {
      throw new NotFoundError(`notification ${id} not found`);
    }
    return { notification, deliveries: await deps.deliveries.forNotification(id) };
  };
}
