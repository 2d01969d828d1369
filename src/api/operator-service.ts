import type { ServiceImpl } from "@connectrpc/connect";
import type { OperatorService } from "../../gen/ts/herald/v1/operator_service_pb.js";
import { deliveryToPb, notificationToPb } from "../contract/notification.js";
import {
  notificationLifeToPb,
  pipelineHealthToPb,
  retryResultToPb,
  searchFiltersFromPb,
} from "../contract/operator.js";
import type { UseCases } from "../usecases/index.js";
import { principalOf } from "./principal-context.js";

/** herald.v1.OperatorService: what the console at /console (and any operator's tool) reads and fixes. */
export function operatorService(uc: UseCases): ServiceImpl<typeof OperatorService> {
  return {
    async whoAmI(_req, ctx) {
      const caller = uc.operator.whoAmI(principalOf(ctx));
      return {
        kind: caller.kind,
        name: caller.name,
        scopes: [...caller.scopes],
        keyId: caller.keyId,
        tenantId: caller.tenantId,
      };
    },
    async searchNotifications(req, ctx) {
      const page = await uc.operator.search(principalOf(ctx), {
        filters: searchFiltersFromPb(req),
        pageSize: req.pageSize,
        pageToken: req.pageToken,
      });
      return {
        notifications: page.notifications.map((s) => ({
          notification: notificationToPb(s.notification),
          deliveries: s.deliveries.map(deliveryToPb),
        })),
        nextPageToken: page.nextPageToken,
      };
    },
    async getNotificationLife(req, ctx) {
      return notificationLifeToPb(await uc.operator.life(principalOf(ctx), req.id));
    },
    async retryDeliveries(req, ctx) {
      return { results: (await uc.operator.retry(principalOf(ctx), req.deliveryIds)).map(retryResultToPb) };
    },
    async getPipelineHealth(_req, ctx) {
      return pipelineHealthToPb(await uc.operator.health(principalOf(ctx)));
    },
  };
}
