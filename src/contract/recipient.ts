import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type Device as DevicePb,
  DeviceSchema,
  Platform as PlatformPb,
  type Recipient as RecipientPb,
  RecipientSchema,
  type UpsertRecipientRequest,
} from "../../gen/ts/herald/v1/recipient_service_pb.js";
import type { Device, Platform, Recipient, RecipientPatch } from "../domain/recipient.js";

const platforms: Record<Platform, PlatformPb> = {
  android: PlatformPb.ANDROID,
  ios: PlatformPb.IOS,
  web: PlatformPb.WEB,
};
const platformsFromPb = new Map(Object.entries(platforms).map(([k, v]) => [v, k as Platform]));

/** Undefined for PLATFORM_UNSPECIFIED (the contract refuses it first). */
export function platformFromPb(value: PlatformPb): Platform | undefined {
  return platformsFromPb.get(value);
}

export function deviceToPb(d: Device): DevicePb {
  return create(DeviceSchema, {
    id: d.id,
    platform: platforms[d.platform],
    token: d.token,
    createTime: timestampFromDate(d.createdAt),
  });
}

export function recipientToPb(r: Recipient): RecipientPb {
  return create(RecipientSchema, {
    userId: r.userId,
    email: r.email,
    phone: r.phone,
    locale: r.locale,
    timezone: r.timezone,
    devices: r.devices.map(deviceToPb),
    updateTime: r.updatedAt === null ? undefined : timestampFromDate(r.updatedAt),
  });
}

export function recipientPatchFromPb(req: UpsertRecipientRequest): RecipientPatch {
  const patch: RecipientPatch = {};
  if (req.email !== undefined) patch.email = req.email;
  if (req.phone !== undefined) patch.phone = req.phone;
  if (req.locale !== undefined) patch.locale = req.locale;
  if (req.timezone !== undefined) patch.timezone = req.timezone;
  return patch;
}
