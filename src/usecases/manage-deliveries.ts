import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import { laneOf } from "../domain/lane.js";
import type { Channel, Delivery, DeliveryStatus } from "../domain/notification.js";
import { type Principal, senderIdOf } from "../domain/principal.js";
import type { Database, Queryable } from "../store/database.js";
import { deliveryStore } from "../store/delivery-store.js";
import { notificationStore } from "../store/notification-store.js";
import { outboxStore, type TraceContext } from "../store/outbox-store.js";
import { requireScope } from "./access.js";

/** Cancel, RetryDelivery and ListDeliveries: what operators and senders do with deliveries. */
export function createManageDeliveries(deps: {
  db: Database;
  /** Called after a delivery was put back in the outbox. */
  onQueued: () => void;
  /** The caller's trace, kept with what it queues. */
  traceContext: () => TraceContext;
  /** Workflows: ends the notification's runs, in Cancel's transaction. */
  cancelRuns?: (tx: Queryable, notificationId: string) => Promise<number>;
}) {
  return {
    /**
     * Withdraws what has not gone out; deliveries already with JetStream are
     * skipped by the worker. A key cancels what it sent, an admin key anything;
     * another key's notification is not found, so ids cannot be probed; so is
     * another tenant's.
     */
    async cancel(
      principal: Principal,
      notificationId: string,
    ): Promise<{ canceledCount: number; deliveries: Delivery[] }> {
      requireScope(principal, "send", "cancel notifications");
      const { tenantId } = principal;
      const origin = await notificationStore.origin(deps.db, tenantId, notificationId);
      const admin = principal.kind !== "user" && principal.scopes.includes("admin");
      const sender = senderIdOf(principal);
      const own = sender !== null && origin?.senderKeyId === sender;
      if (origin === null || !(admin || own)) {
        throw new NotFoundError(`notification ${notificationId} not found`);
      }
      return deps.db.transaction(async (tx) => {
        // Runs first: a timer firing now finishes (and its deliveries are
        // then canceled below) or never fires.
        await deps.cancelRuns?.(tx, notificationId);
        await outboxStore.withdraw(tx, tenantId, notificationId);
        const canceledCount = await deliveryStore.cancel(tx, tenantId, notificationId);
        return { canceledCount, deliveries: await deliveryStore.forNotification(tx, tenantId, notificationId) };
      });
    },

    async retry(principal: Principal, deliveryId: string): Promise<Delivery> {
      requireScope(principal, "admin", "retry deliveries");
      const { tenantId } = principal;
      const trace = deps.traceContext();
      const revived = await deps.db.transaction(async (tx) => {
        const back = await deliveryStore.revive(tx, tenantId, deliveryId);
        if (back !== null) {
          const { delivery, generation, priority } = back;
          await outboxStore.enqueue(tx, [
            {
              deliveryId,
              tenantId,
              channel: delivery.channel,
              lane: laneOf(priority),
              generation,
              availableAt: new Date(),
              trace,
            },
          ]);
        }
        return back;
      });
      if (revived === null) {
        const existing = await deliveryStore.get(deps.db, tenantId, deliveryId);
        if (existing === null) throw new NotFoundError(`delivery ${deliveryId} not found`);
        throw new FailedPreconditionError(
          `delivery ${deliveryId} is ${existing.status}; only dead deliveries can be retried`,
        );
      }
      deps.onQueued();
      return (await deliveryStore.get(deps.db, tenantId, deliveryId)) ?? revived.delivery;
    },

    async list(
      principal: Principal,
      q: { status: DeliveryStatus; channel: Channel | null; pageSize: number; pageToken: string },
    ): Promise<{ deliveries: Delivery[]; nextPageToken: string }> {
      requireScope(principal, "admin", "list deliveries");
      const limit = q.pageSize === 0 ? 20 : q.pageSize;
      let beforeId: string | null = null;
      if (q.pageToken !== "") {
        beforeId = Buffer.from(q.pageToken, "base64url").toString();
        if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(beforeId)) {
          throw new InvalidArgumentError("page_token", "is not a token returned by ListDeliveries");
        }
      }
      const rows = await deliveryStore.listByStatus(deps.db, principal.tenantId, {
        status: q.status,
        channel: q.channel,
        beforeId,
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        deliveries: page,
        nextPageToken: rows.length > limit && last !== undefined ? Buffer.from(last.id).toString("base64url") : "",
      };
    },
  };
}
