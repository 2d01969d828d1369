import type { JsonObject, Notification } from "../domain/notification.js";
import type { QuietHours } from "../domain/workflow.js";
import type { Queryable } from "../store/database.js";
import { quietHoursStore } from "../store/quiet-hours-store.js";
import { recipientStore } from "../store/recipient-store.js";
import type { ConditionInput } from "./conditions.js";

/** What a run's steps read about its recipient. */
export interface RecipientView {
  userId: string;
  locale: string;
  timezone: string;
  attributes: JsonObject;
  quietHours: QuietHours | null;
}

/** Reads a recipient's profile and quiet hours (a run reads them at most once per firing). */
export async function loadRecipientView(q: Queryable, userId: string): Promise<RecipientView> {
  // One after the other: `q` is a transaction's single connection.
  const recipients = await recipientStore.forUsers(q, [userId]);
  const quiet = await quietHoursStore.forUsers(q, [userId]);
  const r = recipients.get(userId);
  return {
    userId,
    locale: r?.locale ?? "",
    timezone: r?.timezone ?? "",
    attributes: r?.attributes ?? {},
    quietHours: quiet.get(userId) ?? null,
  };
}

/** The variables a condition sees. `seen` is `read` until Herald tells them apart. */
export function conditionInput(n: Notification, r: RecipientView): ConditionInput {
  return {
    notification: {
      id: n.id,
      category: n.category,
      priority: n.priority,
      data: n.data ?? {},
      seen: n.readAt !== null,
      read: n.readAt !== null,
      archived: n.archivedAt !== null,
    },
    recipient: { user_id: r.userId, locale: r.locale, timezone: r.timezone, attributes: r.attributes },
  };
}
