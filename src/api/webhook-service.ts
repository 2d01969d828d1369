import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { WebhookService } from "../../gen/ts/herald/v1/webhook_service_pb.js";
import { channelFromPb } from "../contract/notification.js";
import { attemptStatusFilter, webhookAttemptToPb, webhookEndpointToPb } from "../contract/webhook-endpoint.js";
import type { UseCases } from "../usecases/index.js";
import { principalOf } from "./principal-context.js";

/** herald.v1.WebhookService. */
export function webhookService(uc: UseCases): ServiceImpl<typeof WebhookService> {
  return {
    async createWebhookEndpoint(req, ctx) {
      const { endpoint, secret } = await uc.webhooks.create(principalOf(ctx), {
        url: req.url,
        categories: req.categories,
        description: req.description,
        // Unspecified means a webhook, as before endpoints had a channel.
        channel: channelFromPb(req.channel) ?? "webhook",
        eventTypes: req.eventTypes,
        rateLimitPerSecond: req.rateLimitPerSecond,
      });
      return { endpoint: webhookEndpointToPb(endpoint), secret };
    },
    async getWebhookEndpoint(req, ctx) {
      return { endpoint: webhookEndpointToPb(await uc.webhooks.get(principalOf(ctx), req.id)) };
    },
    async listWebhookEndpoints(_req, ctx) {
      return { endpoints: (await uc.webhooks.list(principalOf(ctx))).map(webhookEndpointToPb) };
    },
    async updateWebhookEndpoint(req, ctx) {
      const endpoint = await uc.webhooks.update(principalOf(ctx), req.id, {
        url: req.url,
        categories: req.replaceCategories ? req.categories : undefined,
        description: req.description,
        enabled: req.enabled,
        eventTypes: req.replaceEventTypes ? req.eventTypes : undefined,
        rateLimitPerSecond: req.rateLimitPerSecond,
      });
      return { endpoint: webhookEndpointToPb(endpoint) };
    },
    async deleteWebhookEndpoint(req, ctx) {
      await uc.webhooks.delete(principalOf(ctx), req.id);
      return {};
    },
    async rotateWebhookSecret(req, ctx) {
      const { secret, previousExpiresAt } = await uc.webhooks.rotate(principalOf(ctx), req.id);
      return { secret, previousSecretExpireTime: timestampFromDate(previousExpiresAt) };
    },
    async listWebhookAttempts(req, ctx) {
      const { attempts, nextPageToken } = await uc.webhookOperations.listAttempts(principalOf(ctx), {
        endpointId: req.endpointId,
        pageSize: req.pageSize,
        pageToken: req.pageToken,
        succeeded: attemptStatusFilter(req.status),
      });
      return { attempts: attempts.map(webhookAttemptToPb), nextPageToken };
    },
    async replayWebhookEvents(req, ctx) {
      // protovalidate requires since.
      const since = req.since === undefined ? new Date(Number.NaN) : timestampDate(req.since);
      return uc.webhookOperations.replay(principalOf(ctx), {
        endpointId: req.endpointId,
        since,
        includeDelivered: req.includeDelivered,
        pageToken: req.pageToken,
      });
    },
  };
}
