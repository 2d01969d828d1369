import type { InAppChannel } from "../channels/in-app-channel.js";
import type { Disposition } from "../dispatch/delivery-worker.js";
import type { Notification } from "../domain/notification.js";
import type { Transactor } from "../store/database.js";
import type { DeliveryStore } from "../store/delivery-store.js";

/**
 * Releases a scheduled in-app delivery that came due: into the inbox, or
 * suppressed if the user turned in-app off meanwhile. The inbox placement and
 * the status change commit together, so a redelivered message finds the
 * delivery settled and changes nothing.
 */
export function createReleaseInApp(deps: {
  db: Transactor;
  deliveries: Pick<DeliveryStore, "job" | "settle">;
  isWanted: (notification: Notification) => Promise<boolean>;
  inApp: InAppChannel;
}) {
  return async function releaseInApp(deliveryId: string): Promise<Disposition> {
    const job = await deps.deliveries.job(deliveryId);
    if (job === null || !["scheduled", "pending", "failed"].includes(job.delivery.status)) return { ack: true };
    const wanted = await deps.isWanted(job.notification);
    const events = await deps.db.run(async (tx) => {
      // settle() changes only a waiting delivery: if another worker got here
      // first, nothing is placed twice.
      if (!(await deps.deliveries.settle(deliveryId, wanted ? "sent" : "suppressed", "", tx))) return [];
      return wanted ? deps.inApp.moveIntoInbox(tx, [job.notification], new Date()) : [];
    });
    deps.inApp.publish(events);
    return { ack: true };
  };
}
