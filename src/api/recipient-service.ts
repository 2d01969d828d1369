import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { deviceRegistrationFromPb, deviceToPb, recipientPatchFromPb, recipientToPb } from "../contract/recipient.js";
import type { UseCases } from "../usecases/index.js";
import { principalOf } from "./principal-context.js";

/** herald.v1.RecipientService. */
export function recipientService(uc: UseCases): ServiceImpl<typeof RecipientService> {
  return {
    async upsertRecipient(req, ctx) {
      return {
        recipient: recipientToPb(await uc.recipients.upsert(principalOf(ctx), req.userId, recipientPatchFromPb(req))),
      };
    },
    async getRecipient(req, ctx) {
      return { recipient: recipientToPb(await uc.recipients.get(principalOf(ctx), req.userId)) };
    },
    async deleteRecipient(req, ctx) {
      return { deletedNotifications: await uc.recipients.delete(principalOf(ctx), req.userId) };
    },
    async registerDevice(req, ctx) {
      const device = deviceRegistrationFromPb(req);
      return { device: deviceToPb(await uc.recipients.registerDevice(principalOf(ctx), req.userId, device)) };
    },
    async getWebPushKey() {
      return { publicKey: uc.recipients.webPushKey() };
    },
    async unregisterDevice(req, ctx) {
      await uc.recipients.unregisterDevice(principalOf(ctx), req.userId, req.token);
      return {};
    },
    async revokeUserTokens(req, ctx) {
      return { revokeTime: timestampFromDate(await uc.recipients.revokeTokens(principalOf(ctx), req.userId)) };
    },
  };
}
