import { NotFoundError } from "../domain/errors.js";
import { type Principal, senderIdOf } from "../domain/principal.js";
import type { Queryable } from "../store/database.js";
import { type NotificationOwner, notificationUpdates } from "../store/notification-updates.js";
import { requireScope } from "./access.js";

/** Who may change a sent notification: the key that sent it, or any `admin` key of its tenant. */
export interface SenderAccess {
  /** Null: every sender's (an admin key). */
  senderKeyId: string | null;
}

/**
 * The access of a caller changing sent notifications, as Cancel grants it:
 * the `send` scope, limited to what the caller sent unless it holds `admin`.
 */
export function senderAccess(principal: Principal, action: string): SenderAccess {
  requireScope(principal, "send", action);
  const admin = principal.kind !== "user" && principal.scopes.includes("admin");
  return { senderKeyId: admin ? null : (senderIdOf(principal) ?? "") };
}

/**
 * The notification `id` of the caller's tenant, if the caller may change it;
 * otherwise NOT_FOUND (another key's or another tenant's notification is not
 * told apart from none, so ids cannot be probed).
 */
export async function ownedNotification(
  q: Queryable,
  principal: Principal,
  access: SenderAccess,
  id: string,
): Promise<NotificationOwner> {
  const owner = await notificationUpdates.owner(q, principal.tenantId, id);
  if (owner === null || (access.senderKeyId !== null && owner.senderKeyId !== access.senderKeyId)) {
    throw new NotFoundError(`notification ${id} not found`);
  }
  return owner;
}
