import { Channel, type Delivery, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import type { HeraldClient } from "./clients.js";
import { waitFor } from "./wait.js";

const unsettled = [DeliveryStatus.SCHEDULED, DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.FAILED];

/**
 * Waits (bounded) until a notification's deliveries on `channel` have all
 * reached a final status (sent, suppressed, dead, canceled) and returns them.
 */
export async function settledDeliveries(
  client: HeraldClient,
  notificationId: string,
  channel: Channel,
  timeoutMs = 15_000,
): Promise<Delivery[]> {
  return waitFor(
    async () => {
      const { deliveries } = await client.getNotification({ id: notificationId });
      const mine = deliveries.filter((d) => d.channel === channel);
      return mine.length > 0 && mine.every((d) => !unsettled.includes(d.status)) && mine;
    },
    timeoutMs,
    `settled ${Channel[channel]} deliveries of ${notificationId}`,
  );
}
