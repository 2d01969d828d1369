import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type GetNotificationLifeResponse,
  GetNotificationLifeResponseSchema,
  type GetPipelineHealthResponse,
  GetPipelineHealthResponseSchema,
  type RetryResult as RetryResultPb,
  RetryResultSchema,
  type SearchNotificationsRequest,
} from "../../gen/ts/herald/v1/operator_service_pb.js";
import type { PipelineHealth } from "../usecases/operator-health.js";
import type { NotificationLife } from "../usecases/operator-life.js";
import type { RetryResult } from "../usecases/operator-retry.js";
import type { SearchFilters } from "../usecases/operator-search.js";
import { channelFromPb, channelToPb, deliveryStatusFromPb, deliveryToPb, notificationToPb } from "./notification.js";
import { workflowRunToPb } from "./workflow.js";

/**
 * Mapping between OperatorService's messages (`herald/v1/operator_service.proto`)
 * and the operator use cases' types.
 */
export function searchFiltersFromPb(req: SearchNotificationsRequest): SearchFilters {
  const text = (value: string) => (value === "" ? null : value);
  return {
    userId: text(req.userId),
    category: text(req.category),
    deliveryStatus: deliveryStatusFromPb(req.deliveryStatus) ?? null,
    channel: channelFromPb(req.channel) ?? null,
    createdAfter: req.createAfter === undefined ? null : timestampDate(req.createAfter),
    createdBefore: req.createBefore === undefined ? null : timestampDate(req.createBefore),
    idempotencyKey: text(req.idempotencyKey),
    notificationId: text(req.notificationId),
    templateKey: text(req.templateKey),
  };
}

export function notificationLifeToPb(life: NotificationLife): GetNotificationLifeResponse {
  return create(GetNotificationLifeResponseSchema, {
    notification: notificationToPb(life.notification),
    deliveries: life.deliveries.map(deliveryToPb),
    rendered: life.rendered.map((r) => ({
      channel: channelToPb(r.channel),
      channelId: r.channel,
      subject: r.subject,
      text: r.text,
      html: r.html,
      error: r.error,
    })),
    workflowRuns: life.workflowRuns.map(workflowRunToPb),
    traceId: life.traceId,
    templateKey: life.templateKey,
    senderKeyId: life.senderKeyId,
  });
}

export function retryResultToPb(r: RetryResult): RetryResultPb {
  return create(RetryResultSchema, {
    deliveryId: r.deliveryId,
    retried: r.retried,
    error: r.error,
    ...(r.delivery !== null && { delivery: deliveryToPb(r.delivery) }),
  });
}

export function pipelineHealthToPb(h: PipelineHealth): GetPipelineHealthResponse {
  return create(GetPipelineHealthResponseSchema, {
    sampleTime: timestampFromDate(h.sampleTime),
    deploymentWide: h.deploymentWide,
    channels: h.channels.map((c) => ({
      channelId: c.channelId,
      sentTotal: BigInt(c.sent),
      failedTotal: BigInt(c.failed),
      deadTotal: BigInt(c.dead),
      deadNow: BigInt(c.deadNow),
    })),
    outboxBacklog: BigInt(h.outboxBacklog),
    ...(h.consumerPending !== null && { consumerPending: BigInt(h.consumerPending) }),
    oldestOverdueTimerSeconds: h.oldestOverdueTimerSeconds,
    openStreams: BigInt(h.openStreams),
    processId: h.processId,
  });
}
