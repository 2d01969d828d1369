import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type WebhookAttempt as WebhookAttemptPb,
  WebhookAttemptSchema,
  WebhookAttemptStatus,
  type WebhookEndpoint as WebhookEndpointPb,
  WebhookEndpointSchema,
} from "../../gen/ts/herald/v1/webhook_service_pb.js";
import type { WebhookEndpoint } from "../domain/webhook-endpoint.js";
import type { WebhookAttemptRecord } from "../store/webhook-attempt-reads.js";
import { channelToPb } from "./notification.js";

export function webhookEndpointToPb(e: WebhookEndpoint): WebhookEndpointPb {
  return create(WebhookEndpointSchema, {
    id: e.id,
    channel: channelToPb(e.channel),
    url: e.url,
    categories: e.categories,
    description: e.description,
    enabled: e.enabled,
    disabledReason: e.disabledReason,
    eventTypes: e.eventTypes,
    rateLimitPerSecond: e.rateLimitPerSecond,
    ...(e.disabledAt !== null && { disableTime: timestampFromDate(e.disabledAt) }),
    ...(e.failingSince !== null && { failingSince: timestampFromDate(e.failingSince) }),
    createTime: timestampFromDate(e.createdAt),
    updateTime: timestampFromDate(e.updatedAt),
  });
}

export function webhookAttemptToPb(a: WebhookAttemptRecord): WebhookAttemptPb {
  return create(WebhookAttemptSchema, {
    notificationId: a.notificationId,
    deliveryId: a.deliveryId,
    attempt: a.number,
    startTime: timestampFromDate(a.startedAt),
    finishTime: timestampFromDate(a.finishedAt),
    status: a.succeeded ? WebhookAttemptStatus.SUCCEEDED : WebhookAttemptStatus.FAILED,
    httpStatusCode: a.statusCode,
    duration: durationFromMs(a.durationMs),
    responseBodyExcerpt: a.responseExcerpt,
    error: a.error,
  });
}

/** A status filter: null for any. */
export function attemptStatusFilter(status: WebhookAttemptStatus): boolean | null {
  if (status === WebhookAttemptStatus.SUCCEEDED) return true;
  if (status === WebhookAttemptStatus.FAILED) return false;
  return null;
}
