import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { NotificationService } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { fanoutToPb } from "../contract/fanout.js";
import { decodeCursor, subscribeResponseOf } from "../contract/feed-event.js";
import {
  channelFromPb,
  channelToPb,
  deliveryStatusFromPb,
  deliveryToPb,
  notificationToPb,
} from "../contract/notification.js";
import { preferencesToPb } from "../contract/preferences.js";
import {
  contentPatchFromPb,
  draftFromPb,
  markInputFromPb,
  preferencesPatchFromPb,
  retractTargetFromPb,
} from "../contract/requests.js";
import { digestLinkToPb, workflowRunToPb } from "../contract/workflow.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { Principal } from "../domain/principal.js";
import type { UseCases } from "../usecases/index.js";
import { principalOf } from "./principal-context.js";
import type { SendItems } from "./send-items.js";

export interface NotificationServiceOptions {
  /** SendBatch's and SendStream's items, checked one by one. */
  sendItems: SendItems;
  /** Waits for a SendStream item's rate-limit tokens. */
  admitStreamItem: (principal: Principal, recipients: number, signal: AbortSignal) => Promise<void>;
}

/** herald.v1.NotificationService: each handler maps proto to a use case and back. */
export function notificationService(
  uc: UseCases,
  options: NotificationServiceOptions,
): ServiceImpl<typeof NotificationService> {
  const { sendItems } = options;
  return {
    async send(req, ctx) {
      const { notifications, fanoutId } = await uc.send(principalOf(ctx), draftFromPb(req));
      return { notifications: notifications.map(notificationToPb), fanoutId };
    },

    async getFanout(req, ctx) {
      return { fanout: fanoutToPb(await uc.fanouts.get(principalOf(ctx), req.id)) };
    },

    async cancelFanout(req, ctx) {
      return { fanout: fanoutToPb(await uc.fanouts.cancel(principalOf(ctx), req.id)) };
    },

    async sendBatch(req, ctx) {
      const outcomes = await uc.sendMany.batch(principalOf(ctx), req.items.map(sendItems.batchItem));
      return { results: outcomes.map((o) => sendItems.resultOf(o, "herald.v1.NotificationService/SendBatch")) };
    },

    async *sendStream(requests, ctx) {
      const principal = principalOf(ctx);
      const items = (async function* () {
        for await (const req of requests) yield sendItems.streamItem(req);
      })();
      const admit = (draft: { userIds: readonly string[] }) =>
        options.admitStreamItem(principal, draft.userIds.length, ctx.signal);
      for await (const outcome of uc.sendMany.stream(principal, items, admit)) {
        yield {
          index: BigInt(outcome.index),
          ref: outcome.ref,
          result: sendItems.resultOf(outcome, "herald.v1.NotificationService/SendStream"),
        };
      }
    },

    async getNotification(req, ctx) {
      const { notification, deliveries, workflowRuns, digest } = await uc.getNotification(principalOf(ctx), req.id);
      return {
        notification: notificationToPb(notification),
        deliveries: deliveries.map(deliveryToPb),
        workflowRuns: workflowRuns.map(workflowRunToPb),
        ...(digest !== null && { digest: digestLinkToPb(digest) }),
      };
    },

    async list(req, ctx) {
      const page = await uc.list(principalOf(ctx), req);
      return {
        notifications: page.notifications.map(notificationToPb),
        nextPageToken: page.nextPageToken,
        unreadCount: page.unreadCount,
        tabCounts: page.tabCounts,
        unseenCount: page.unseenCount,
      };
    },

    async markRead(req, ctx) {
      return uc.mark(principalOf(ctx), markInputFromPb(req));
    },

    async snoozeNotifications(req, ctx) {
      const { notificationIds, userId } = req;
      // Protovalidate requires it; without it the use case would unsnooze instead.
      if (req.snoozeUntil === undefined) throw new InvalidArgumentError("snooze_until", "is required");
      return uc.snooze(principalOf(ctx), { userId, notificationIds, until: timestampDate(req.snoozeUntil) });
    },

    async unsnoozeNotifications(req, ctx) {
      return uc.snooze(principalOf(ctx), { userId: req.userId, notificationIds: req.notificationIds, until: null });
    },

    async interactNotification(req, ctx) {
      const done = await uc.interact(principalOf(ctx), req);
      return {
        notification: notificationToPb(done.notification),
        unreadCount: done.unreadCount,
        unseenCount: done.unseenCount,
      };
    },

    async getPreferences(req, ctx) {
      return {
        preferences: preferencesToPb(await uc.preferences.get(principalOf(ctx), req.userId)),
        channels: uc.preferences.channels().map(channelToPb),
      };
    },

    async updatePreferences(req, ctx) {
      const prefs = await uc.preferences.update(principalOf(ctx), req.userId, preferencesPatchFromPb(req));
      return { preferences: preferencesToPb(prefs) };
    },

    async cancel(req, ctx) {
      const { canceledCount, deliveries } = await uc.deliveries.cancel(principalOf(ctx), req.id);
      return { canceledCount, deliveries: deliveries.map(deliveryToPb) };
    },

    async retryDelivery(req, ctx) {
      return { delivery: deliveryToPb(await uc.deliveries.retry(principalOf(ctx), req.deliveryId)) };
    },

    async listDeliveries(req, ctx) {
      const page = await uc.deliveries.list(principalOf(ctx), {
        status: deliveryStatusFromPb(req.status) ?? "dead",
        channel: channelFromPb(req.channel) ?? null,
        pageSize: req.pageSize,
        pageToken: req.pageToken,
      });
      return { deliveries: page.deliveries.map(deliveryToPb), nextPageToken: page.nextPageToken };
    },

    async *subscribe(req, ctx) {
      const cursor = req.cursor === "" ? null : decodeCursor(req.cursor);
      for await (const item of uc.subscribe(principalOf(ctx), { userId: req.userId, cursor }, ctx.signal)) {
        yield subscribeResponseOf(item); // one message per event, shared by every stream that sends it
      }
      // The feed ends only when the call is aborted: by the client leaving (who
      // hears nothing more) or by shutdown, whose reason (Unavailable) tells the
      // client to reconnect, possibly to another process.
      if (ctx.signal.aborted) throw ConnectError.from(ctx.signal.reason, Code.Unavailable);
    },

    async updateNotification(req, ctx) {
      const { notification, changed } = await uc.update(principalOf(ctx), req.id, contentPatchFromPb(req));
      return { notification: notificationToPb(notification), changed };
    },

    async retractNotification(req, ctx) {
      return uc.retract(principalOf(ctx), retractTargetFromPb(req));
    },
  };
}
