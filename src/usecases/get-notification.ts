import type { ChannelCatalog } from "../domain/channel.js";
import { NotFoundError } from "../domain/errors.js";
import type { Delivery, Notification } from "../domain/notification.js";
import type { Principal } from "../domain/principal.js";
import { userDeliveryView } from "../domain/user-delivery-view.js";
import type { DigestLink, WorkflowRun } from "../domain/workflow.js";
import type { Queryable } from "../store/database.js";
import { deliveryStore } from "../store/delivery-store.js";
import { notificationStore } from "../store/notification-store.js";
import { workflowRunReads } from "../store/workflow-run-reads.js";
import { requireScope } from "./access.js";

/**
 * GetNotification: a notification and its deliveries. Another user's
 * notification, or another tenant's, is reported as not found, so ids cannot be probed. A user sees
 * the deliveries on their own channels only, with errors as categories and no
 * provider ids (domain/user-delivery-view.ts); API keys see everything,
 * including the notification's workflow runs and the digest it is in.
 */
export function createGetNotification(deps: { db: Queryable; catalog: ChannelCatalog }) {
  return async function getNotification(
    principal: Principal,
    id: string,
  ): Promise<{
    notification: Notification;
    deliveries: Delivery[];
    workflowRuns: WorkflowRun[];
    digest: DigestLink | null;
  }> {
    if (principal.kind !== "user") requireScope(principal, "read", "read notifications");
    const { tenantId } = principal;
    const notification = await notificationStore.get(deps.db, tenantId, id);
    // A retracted notification is gone from its user's inbox, and from the user's reads too.
    const mine = principal.kind === "user" && notification?.userId === principal.userId && !notification.retractedAt;
    if (notification === null || (principal.kind === "user" && !mine)) {
      throw new NotFoundError(`notification ${id} not found`);
    }
    // Workflow runs are an operator's view: a user's token sees the notification and its deliveries only.
    const operator = principal.kind !== "user";
    const [deliveries, workflowRuns, digest] = await Promise.all([
      deliveryStore.forNotification(deps.db, tenantId, id),
      operator ? workflowRunReads.ofNotification(deps.db, tenantId, id) : [],
      operator ? workflowRunReads.digestOf(deps.db, tenantId, id) : null,
    ]);
    return {
      notification,
      deliveries: operator ? deliveries : userDeliveryView(deliveries, deps.catalog),
      workflowRuns,
      digest,
    };
  };
}
