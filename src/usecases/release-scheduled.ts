import type { InAppChannel } from "../channels/in-app-channel.js";
import { DeliveryStatus } from "../domain/notification.js";
import { isChannelEnabled } from "../domain/preferences.js";
import type { Transactor } from "../store/database.js";
import type { NotificationStore } from "../store/notification-store.js";
import type { PreferenceStore } from "../store/preference-store.js";

/**
 * Releases scheduled in-app deliveries that are due: into the inbox, or
 * suppressed if the user turned in-app off meanwhile (preferences count at
 * release time). Safe to run in several processes at once.
 */
export function createReleaseScheduled(deps: {
  db: Transactor;
  notifications: NotificationStore;
  preferences: PreferenceStore;
  inApp: InAppChannel;
}) {
  /** Releases one batch; returns how many deliveries it settled. */
  return async function releaseScheduled(batchSize = 200): Promise<number> {
    const { settled, events } = await deps.db.run(async (tx) => {
      const due = await deps.notifications.claimDue(tx, "in_app", batchSize);
      if (due.length === 0) return { settled: 0, events: [] };
      const statuses = new Map<string, DeliveryStatus>();
      const inbox = [];
      // Preferences are per category; one batch usually holds few categories.
      const byCategory = new Map<string, typeof due>();
      for (const d of due) {
        const group = byCategory.get(d.notification.category);
        if (group === undefined) byCategory.set(d.notification.category, [d]);
        else group.push(d);
      }
      for (const [category, items] of byCategory) {
        const prefs = await deps.preferences.forCategory(
          items.map((d) => d.notification.userId),
          category,
          tx,
        );
        for (const d of items) {
          const p = prefs.get(d.notification.userId);
          const on = p === undefined || isChannelEnabled(p, category, "in_app");
          statuses.set(d.deliveryId, on ? DeliveryStatus.sent : DeliveryStatus.suppressed);
          if (on) inbox.push(d.notification);
        }
      }
      const events = await deps.inApp.moveIntoInbox(tx, inbox, new Date());
      await deps.notifications.setDeliveryStatuses(tx, statuses);
      return { settled: due.length, events };
    });
    deps.inApp.publish(events);
    return settled;
  };
}
