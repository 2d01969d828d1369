import { FailedPreconditionError, NotFoundError } from "../domain/errors.js";
import type { Delivery } from "../domain/notification.js";
import type { Principal } from "../domain/principal.js";
import type { Queryable } from "../store/database.js";
import { deliveryStore } from "../store/delivery-store.js";
import { notificationLifeReads } from "../store/notification-life-reads.js";
import { requireScope } from "./access.js";

/** What happened to one delivery of a RetryDeliveries call. */
export interface RetryResult {
  deliveryId: string;
  retried: boolean;
  /** Why not; empty when retried. */
  error: string;
  /** The delivery after the call; null when there is none. */
  delivery: Delivery | null;
}

/**
 * RetryDeliveries: RetryDelivery (`retry`, the same code) for each id in
 * turn, for `admin` keys, within their tenant. An id that cannot be retried gets its reason and
 * does not stop the others; anything else (the database gone) fails the call.
 */
export function createOperatorRetry(deps: {
  db: Queryable;
  retry: (principal: Principal, deliveryId: string) => Promise<Delivery>;
}) {
  return async function retryDeliveries(principal: Principal, deliveryIds: readonly string[]): Promise<RetryResult[]> {
    requireScope(principal, "admin", "retry deliveries");
    // Another tenant's delivery answers exactly as an unknown id, before anything reads or changes it.
    const own = await notificationLifeReads.ownDeliveryIds(deps.db, principal.tenantId, deliveryIds);
    const results: RetryResult[] = [];
    for (const deliveryId of deliveryIds) {
      if (!own.has(deliveryId)) {
        results.push(notFound(deliveryId));
        continue;
      }
      try {
        results.push({ deliveryId, retried: true, error: "", delivery: await deps.retry(principal, deliveryId) });
      } catch (error) {
        if (error instanceof NotFoundError) {
          results.push(notFound(deliveryId));
        } else if (error instanceof FailedPreconditionError) {
          const delivery = await deliveryStore.get(deps.db, principal.tenantId, deliveryId);
          const status = delivery?.status ?? "gone";
          const reason = `status is ${status}: only dead deliveries can be retried`;
          results.push({ deliveryId, retried: false, error: reason, delivery });
        } else {
          throw error;
        }
      }
    }
    return results;
  };
}

function notFound(deliveryId: string): RetryResult {
  return { deliveryId, retried: false, error: "not found", delivery: null };
}
