import type { Notification } from "../domain/notification.js";
import { emptyRecipient, type Recipient } from "../domain/recipient.js";
import type { QuietHours } from "../domain/workflow.js";
import type { Queryable } from "../store/database.js";
import { quietHoursStore } from "../store/quiet-hours-store.js";
import { recipientStore } from "../store/recipient-store.js";
import type { ConditionInput } from "./conditions.js";

/** What a run's steps read about its recipient: the profile, addresses and devices, and quiet hours. */
export interface RecipientView {
  recipient: Recipient;
  quietHours: QuietHours | null;
}

/**
 * Reads a tenant's recipients and their quiet hours, a statement each, one
 * after the other (`q` may be a transaction); keyed by user id.
 */
export async function loadPeople(
  q: Queryable,
  tenantId: string,
  userIds: readonly string[],
): Promise<Map<string, RecipientView>> {
  const recipients = await recipientStore.forUsers(q, tenantId, userIds);
  const quiet = await quietHoursStore.forUsers(q, tenantId, userIds);
  return new Map(
    [...recipients].map(([userId, recipient]) => [userId, { recipient, quietHours: quiet.get(userId) ?? null }]),
  );
}

/** A recipient Herald knows nothing of. */
export function noPeople(userId: string): RecipientView {
  return { recipient: emptyRecipient(userId), quietHours: null };
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
    recipient: {
      user_id: r.recipient.userId,
      locale: r.recipient.locale,
      timezone: r.recipient.timezone,
      attributes: r.recipient.attributes,
    },
  };
}
