import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import { laneOf } from "../domain/lane.js";
import type { Principal } from "../domain/principal.js";
import { ENDPOINT_DISABLED_REASON } from "../domain/webhook-endpoint.js";
import type { Database } from "../store/database.js";
import { deliveryStore } from "../store/delivery-store.js";
import { outboxStore, type TraceContext } from "../store/outbox-store.js";
import { type WebhookAttemptRecord, webhookAttemptReads } from "../store/webhook-attempt-reads.js";
import type { WebhookEndpointStore } from "../store/webhook-endpoint-store.js";
import { requireScope } from "./access.js";
import { decodePagePosition, encodePageToken } from "./page-token.js";

/** Most deliveries one ReplayWebhookEvents call queues. */
export const REPLAY_MAX_PER_CALL = 10_000;
/** How far back ReplayWebhookEvents may reach. */
export const REPLAY_MAX_AGE_MS = 30 * 86_400_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** An attempt page's position: finished_at as Postgres prints it, delivery id, attempt number. */
const ATTEMPT_POSITION = /^[0-9 :.+-]{19,40}\|[0-9a-f-]{36}\|\d{1,9}$/;

/**
 * ListWebhookAttempts and ReplayWebhookEvents: what happened at an endpoint,
 * and sending again what it missed. Admin keys, within their tenant (another
 * tenant's endpoint is NOT_FOUND, as an unknown one).
 */
export function createWebhookOperations(deps: {
  db: Database;
  endpoints: WebhookEndpointStore;
  /** Called after deliveries were put back in the outbox. */
  onQueued: () => void;
  /** The caller's trace, kept with what it queues. */
  traceContext: () => TraceContext;
  /** Lets tests replay from a time they control; default Date.now. */
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  const endpointOf = async (principal: Principal, id: string) => {
    const endpoint = await deps.endpoints.get(deps.db, principal.tenantId, id);
    if (endpoint === null) throw new NotFoundError(`webhook endpoint ${id} not found`);
    return endpoint;
  };

  return {
    async listAttempts(
      principal: Principal,
      q: { endpointId: string; pageSize: number; pageToken: string; succeeded: boolean | null },
    ): Promise<{ attempts: WebhookAttemptRecord[]; nextPageToken: string }> {
      requireScope(principal, "admin", "list webhook attempts");
      await endpointOf(principal, q.endpointId);
      const filters = { endpoint: q.endpointId, succeeded: q.succeeded };
      let after = null;
      if (q.pageToken !== "") {
        const position = decodePagePosition(q.pageToken, filters, ATTEMPT_POSITION, "ListWebhookAttempts");
        const [finishedKey, deliveryId, number] = position.split("|") as [string, string, string];
        after = { finishedKey, deliveryId, number: Number(number) };
      }
      const limit = q.pageSize === 0 ? 20 : q.pageSize;
      const rows = await webhookAttemptReads.page(deps.db, principal.tenantId, {
        endpointId: q.endpointId,
        succeeded: q.succeeded,
        after,
        limit: limit + 1,
      });
      const attempts = rows.slice(0, limit);
      const last = attempts.at(-1);
      const nextPageToken =
        rows.length > limit && last !== undefined
          ? encodePageToken(`${last.finishedKey}|${last.deliveryId}|${last.number}`, filters)
          : "";
      return { attempts, nextPageToken };
    },

    /**
     * Queues again what the endpoint missed since `since` (deliveryStore.reviveForEndpoint),
     * at most REPLAY_MAX_PER_CALL; a token continues after the last one queued.
     */
    async replay(
      principal: Principal,
      r: { endpointId: string; since: Date; includeDelivered: boolean; pageToken: string },
    ): Promise<{ queuedCount: number; nextPageToken: string }> {
      requireScope(principal, "admin", "replay webhook events");
      const sinceMs = r.since.getTime();
      if (Number.isNaN(sinceMs)) throw new InvalidArgumentError("since", "is required");
      if (sinceMs > now()) throw new InvalidArgumentError("since", "is in the future");
      if (sinceMs < now() - REPLAY_MAX_AGE_MS) throw new InvalidArgumentError("since", "is more than 30 days ago");
      const endpoint = await endpointOf(principal, r.endpointId);
      if (!endpoint.enabled) {
        throw new FailedPreconditionError(`webhook endpoint ${r.endpointId} is disabled; enable it before replaying`);
      }
      const filters = { endpoint: r.endpointId, since: sinceMs, delivered: r.includeDelivered };
      const afterId = r.pageToken === "" ? null : decodePagePosition(r.pageToken, filters, UUID, "ReplayWebhookEvents");
      const trace = deps.traceContext();
      const tenantId = principal.tenantId;
      const revived = await deps.db.transaction(async (tx) => {
        const rows = await deliveryStore.reviveForEndpoint(tx, tenantId, {
          endpointId: r.endpointId,
          sinceId: uuidAt(sinceMs),
          afterId,
          includeSent: r.includeDelivered,
          canceledReason: ENDPOINT_DISABLED_REASON,
          limit: REPLAY_MAX_PER_CALL,
        });
        const availableAt = new Date();
        await outboxStore.enqueue(
          tx,
          rows.map((d) => ({
            deliveryId: d.id,
            tenantId,
            channel: d.channel,
            lane: laneOf(d.priority),
            generation: d.generation,
            availableAt,
            trace,
          })),
        );
        return rows;
      });
      if (revived.length > 0) deps.onQueued();
      const lastId = revived
        .map((d) => d.id)
        .sort()
        .at(-1);
      return {
        queuedCount: revived.length,
        // A full call may have left more behind (the next call may find none).
        nextPageToken:
          revived.length === REPLAY_MAX_PER_CALL && lastId !== undefined ? encodePageToken(lastId, filters) : "",
      };
    },
  };
}

/** The smallest uuidv7 of a millisecond: delivery ids made at or after `ms` compare >= it. */
export function uuidAt(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}
