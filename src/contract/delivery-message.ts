import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { DeliveryMessageSchema } from "../../gen/ts/herald/v1/dispatch_pb.js";
import type { Channel } from "../domain/notification.js";
import { channelFromPb, channelToPb } from "./notification.js";

/** A delivery as it travels on JetStream: `herald.v1.DeliveryMessage`, binary. */
export interface DeliveryMessage {
  deliveryId: string;
  notificationId: string;
  channel: Channel;
  generation: number;
  error: string;
}

export function encodeDeliveryMessage(m: DeliveryMessage): Uint8Array {
  return toBinary(
    DeliveryMessageSchema,
    create(DeliveryMessageSchema, {
      deliveryId: m.deliveryId,
      notificationId: m.notificationId,
      channel: channelToPb(m.channel),
      generation: m.generation,
      error: m.error,
    }),
  );
}

/** Null for bytes that are not a delivery message Herald can act on. */
export function decodeDeliveryMessage(bytes: Uint8Array): DeliveryMessage | null {
  try {
    const pb = fromBinary(DeliveryMessageSchema, bytes);
    const channel = channelFromPb(pb.channel);
    if (channel === undefined || pb.deliveryId === "") return null;
    return {
      deliveryId: pb.deliveryId,
      notificationId: pb.notificationId,
      channel,
      generation: pb.generation,
      error: pb.error,
    };
  } catch {
    return null;
  }
}
