import { create, type JsonObject as JsonObjectPb } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type Device as DevicePb,
  DeviceSchema,
  Platform as PlatformPb,
  type Recipient as RecipientPb,
  RecipientSchema,
  type RegisterDeviceRequest,
  type UpsertRecipientRequest,
} from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { Device, DeviceRegistration, Platform, Recipient, RecipientPatch } from "../domain/recipient.js";

const platforms: Record<Platform, PlatformPb> = {
  android: PlatformPb.ANDROID,
  ios: PlatformPb.IOS,
  web: PlatformPb.WEB,
  web_push: PlatformPb.WEB_PUSH,
};
const platformsFromPb = new Map(Object.entries(platforms).map(([k, v]) => [v, k as Platform]));

/** Undefined for PLATFORM_UNSPECIFIED (the contract refuses it first). */
export function platformFromPb(value: PlatformPb): Platform | undefined {
  return platformsFromPb.get(value);
}

/**
 * The device a RegisterDevice asks for (the contract has checked its shape):
 * a browser subscription's endpoint becomes its token, and its keys lose any
 * base64 padding, so the same subscription is stored the same way however a
 * client encoded it.
 */
export function deviceRegistrationFromPb(req: RegisterDeviceRequest): DeviceRegistration {
  const platform = platformFromPb(req.platform) as Platform;
  const subscription = req.webPush;
  if (subscription === undefined) return { platform, token: req.token, webPush: null };
  const unpadded = (value = "") => value.replace(/=+$/, "");
  return {
    platform,
    token: subscription.endpoint,
    webPush: { p256dh: unpadded(subscription.keys?.p256dh), auth: unpadded(subscription.keys?.auth) },
  };
}

export function deviceToPb(d: Device): DevicePb {
  return create(DeviceSchema, {
    id: d.id,
    platform: platforms[d.platform],
    token: d.token,
    createTime: timestampFromDate(d.createdAt),
  });
}

// The channels whose address has a field of its own in the contract; the
// others travel in the `addresses` map, keyed by channel id.
const addressFields = { email: "email", sms: "phone" } as const;

export function recipientToPb(r: Recipient): RecipientPb {
  const others = Object.entries(r.addresses).filter(([channel]) => !(channel in addressFields));
  return create(RecipientSchema, {
    userId: r.userId,
    email: r.addresses.email ?? "",
    phone: r.addresses.sms ?? "",
    addresses: Object.fromEntries(others),
    locale: r.locale,
    timezone: r.timezone,
    devices: r.devices.map(deviceToPb),
    // Always set, `{}` for none, so clients need not tell "unset" from "empty".
    // Attributes were JSON when they came in, so they are JSON values still.
    attributes: r.attributes as JsonObjectPb,
    updateTime: r.updatedAt === null ? undefined : timestampFromDate(r.updatedAt),
  });
}

export function recipientPatchFromPb(req: UpsertRecipientRequest): RecipientPatch {
  const patch: RecipientPatch = {};
  const addresses: Record<string, string> = {};
  if (req.email !== undefined) addresses.email = req.email;
  if (req.phone !== undefined) addresses.sms = req.phone;
  for (const [channel, address] of Object.entries(req.addresses)) {
    if (channel in addressFields) {
      const field = addressFields[channel as keyof typeof addressFields];
      throw new InvalidArgumentError(`addresses["${channel}"]`, `is set with the field ${field}, not in addresses`);
    }
    addresses[channel] = address;
  }
  if (Object.keys(addresses).length > 0) patch.addresses = addresses;
  if (req.locale !== undefined) patch.locale = req.locale;
  if (req.timezone !== undefined) patch.timezone = req.timezone;
  if (req.attributes !== undefined) patch.attributes = req.attributes;
  return patch;
}
