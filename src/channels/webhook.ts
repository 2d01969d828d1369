import { toJson } from "@bufbuild/protobuf";
import { NotificationSchema } from "../../gen/ts/herald/v1/notification_pb.js";
import { notificationToPb } from "../contract/notification.js";
import type { Admission } from "../domain/deliverer.js";
import { PermanentDeliveryError } from "../domain/delivery-errors.js";
import { ENDPOINT_DISABLED_REASON } from "../domain/webhook-endpoint.js";
import { deliveryStore } from "../store/delivery-store.js";
import { webhookRateStore } from "../store/webhook-rate-store.js";
import { channelModule } from "./channel-module.js";
import { checkWebhookUrl } from "./network-guard.js";
import { createWebhookSender } from "./webhook-sender.js";

/** The webhook section (webhooks are always on). */
export interface WebhookSettings {
  /** An endpoint must answer 2xx within this long. */
  timeoutMs: number;
  /** How long a rotated-out secret keeps signing. */
  secretGraceHours: number;
  /** An endpoint whose every attempt failed for this long is disabled (0: never). */
  disableAfterFailingSeconds: number;
  /** Posts per second to an endpoint that sets no limit of its own (0: unlimited). */
  defaultRateLimitPerSecond: number;
  /** Most event-log seqs the webhook event relay handles in one round (one transaction). */
  eventsBatch: number;
  /** Pause between webhook event relay rounds that caught up with the log. */
  eventsIntervalMs: number;
}

/**
 * Webhooks: one delivery per enabled endpoint whose categories match (the
 * delivery's target), posted as a Standard Webhooks event
 * `{type, timestamp, data}` whose data is the notification in the contract's
 * JSON form (notification.created). The webhook event relay
 * (dispatch/webhook-event-relay.ts) writes deliveries of other event types
 * with their body already rendered (job.eventSeq > 0, body in job.content);
 * they are posted as they are. webhook-id is the delivery id, so receivers can drop
 * redeliveries. An endpoint that answers 410 Gone is disabled, and so is one
 * whose every attempt failed for disableAfterFailingSeconds (reported through
 * ChannelDeps.onEndpointDisabled). A delivery to a disabled endpoint is
 * canceled before any attempt ("endpoint disabled"); one over the endpoint's
 * rate limit waits for its slot (store/webhook-rate-store.ts).
 */
export const webhookChannel = channelModule<WebhookSettings>({
  id: "webhook",
  label: "Webhook",
  targets: ["endpoints"],
  content: null,
  checkEndpointUrl: (url, egress) => checkWebhookUrl(url, egress),
  readSettings: (env) => ({
    timeoutMs: env.int("WEBHOOK_TIMEOUT_MS", 10_000, 100, 120_000),
    secretGraceHours: env.int("WEBHOOK_SECRET_GRACE_HOURS", 24, 0, 24 * 30),
    disableAfterFailingSeconds: env.int("WEBHOOK_DISABLE_AFTER_FAILING_SECONDS", 5 * 86_400, 0, 365 * 86_400),
    eventsBatch: env.int("WEBHOOK_EVENTS_BATCH", 500, 1, 10_000),
    eventsIntervalMs: env.int("WEBHOOK_EVENTS_INTERVAL_MS", 500, 10, 600_000),
    defaultRateLimitPerSecond: env.int("WEBHOOK_ENDPOINT_RATE_LIMIT", 0, 0, 10_000),
  }),
  createDeliverer(settings, deps) {
    const sender = createWebhookSender({
      timeoutMs: settings.timeoutMs,
      allowPrivateNetworks: deps.egress.allowPrivateNetworks,
    });
    const endpointOf = async (tenantId: string, id: string) =>
      id === "" ? null : await deps.endpoints.get(deps.db, tenantId, id);
    /** Auto-disable: a success ends the failing period; a failure past the period disables the endpoint. */
    const recordOutcome = async (tenantId: string, endpointId: string, succeeded: boolean) => {
      let since: Date | null;
      try {
        since = await deps.endpoints.recordOutcome(
          deps.db,
          tenantId,
          endpointId,
          succeeded,
          settings.disableAfterFailingSeconds,
        );
      } catch (error) {
        // Bookkeeping must not change what the post did: a sent webhook failing
        // here would be sent again. The next attempt records its outcome.
        deps.onBookkeepingError?.(error);
        return;
      }
      if (since !== null) await disabled(tenantId, endpointId, "failing", since);
    };
    /** Reports an endpoint Herald disabled, and ends what waits for it now rather than when each comes up. */
    const disabled = async (tenantId: string, endpointId: string, reason: "gone" | "failing", since: Date | null) => {
      deps.onEndpointDisabled?.({ tenantId, endpointId, failingSince: since, reason });
      await deliveryStore
        .cancelForEndpoint(deps.db, tenantId, endpointId, ENDPOINT_DISABLED_REASON)
        // Each one still finds the endpoint disabled when it comes up (admit).
        .catch((error: unknown) => deps.onBookkeepingError?.(error));
    };
    return {
      async admit({ delivery, notification }): Promise<Admission> {
        const endpoint = await endpointOf(notification.tenantId, delivery.target);
        // Deleted or unknown: deliver() says so (the delivery dies with the reason).
        if (endpoint === null) return { kind: "go" };
        if (!endpoint.enabled) return { kind: "cancel", reason: ENDPOINT_DISABLED_REASON };
        const limit = endpoint.rateLimitPerSecond || settings.defaultRateLimitPerSecond;
        if (limit === 0) return { kind: "go" };
        const waitMs = await webhookRateStore.reserve(deps.db, notification.tenantId, endpoint.id, delivery.id, limit);
        return waitMs > 5 ? { kind: "wait", afterMs: Math.ceil(waitMs) } : { kind: "go" };
      },
      async deliver({ delivery, notification, content, eventSeq }, signal) {
        // A Send that asked for webhooks when no endpoint matched (plan-deliveries.ts): no endpoint id to look up.
        if (delivery.target === "") {
          throw new PermanentDeliveryError("no enabled webhook endpoint matches this notification's category");
        }
        const endpoint = await endpointOf(notification.tenantId, delivery.target);
        if (endpoint === null) throw new PermanentDeliveryError("the webhook endpoint was deleted");
        if (!endpoint.enabled) throw new PermanentDeliveryError("the webhook endpoint is disabled");
        const timestamp = new Date();
        try {
          const receipt = await sender.send(
            {
              url: endpoint.url,
              secrets: endpoint.secrets,
              id: delivery.id,
              timestamp,
              endpointId: endpoint.id,
              // An event's body was rendered by the event relay (dispatch/webhook-event-relay.ts).
              payload:
                (eventSeq ?? 0) > 0 && content !== null
                  ? content
                  : {
                      type: "notification.created",
                      timestamp: timestamp.toISOString(),
                      data: { notification: toJson(NotificationSchema, notificationToPb(notification)) },
                    },
            },
            signal,
          );
          await recordOutcome(notification.tenantId, endpoint.id, true);
          return receipt;
        } catch (error) {
          if (error instanceof PermanentDeliveryError && error.reason === "gone") {
            await deps.endpoints.disable(deps.db, notification.tenantId, endpoint.id, "the endpoint answered 410 Gone");
            await disabled(notification.tenantId, endpoint.id, "gone", null);
          } else {
            await recordOutcome(notification.tenantId, endpoint.id, false);
          }
          throw error;
        }
      },
      close: () => sender.close(),
    };
  },
});
