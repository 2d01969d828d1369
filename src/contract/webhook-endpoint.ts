import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type WebhookEndpoint as WebhookEndpointPb,
  WebhookEndpointSchema,
} from "../../gen/ts/herald/v1/webhook_service_pb.js";
import type { WebhookEndpoint } from "../domain/webhook-endpoint.js";
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
    createTime: timestampFromDate(e.createdAt),
    updateTime: timestampFromDate(e.updatedAt),
  });
}
