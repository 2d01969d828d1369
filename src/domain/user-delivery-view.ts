import type { ChannelCatalog } from "./channel.js";
import type { Delivery, DeliveryAttempt } from "./notification.js";

/**
 * The only errors an end user reads about their own deliveries: what happened,
 * never how Herald's providers or network answered (hosts, ports, provider
 * replies and ids are operator business). The proto documents the same list.
 */
export const UserDeliveryError = {
  /** A transient failure; another attempt is planned. */
  retrying: "temporary failure, retrying",
  /** Given up: a permanent failure, or no attempts left. */
  undeliverable: "could not be delivered",
  /** The user has no address on this channel (no email, no phone, the device is gone). */
  noAddress: "no address",
} as const;
export type UserDeliveryError = (typeof UserDeliveryError)[keyof typeof UserDeliveryError];

// The channels' own words when there is nothing to deliver to ("the recipient
// has no email address", "... no phone number", "the device is no longer
// registered": channels/*.ts); test/unit/user-delivery-view.test.ts keeps them in step.
const noAddress = /^(the recipient has no [\w -]+|the device is no longer registered)$/;

/** Statuses after which another attempt may still come. */
const unsettled = new Set<Delivery["status"]>(["scheduled", "pending", "sending", "failed"]);

/**
 * A user's view of deliveries of their own notification: only to their own
 * addresses and devices (deliveries to endpoints, such as webhooks and chat
 * incoming webhooks, are the operator's), errors as a UserDeliveryError, no
 * provider names or message ids. Push deliveries keep their target: the user's
 * own device.
 */
export function userDeliveryView(deliveries: readonly Delivery[], catalog: ChannelCatalog): Delivery[] {
  const usersOwn = (d: Delivery) => d.target === "" || catalog.get(d.channel)?.targets.includes("devices") === true;
  return deliveries.filter(usersOwn).map((d) => ({
    ...d,
    lastError: deliveryError(d),
    providerMessageId: "",
    history: d.history?.map((a) => ({ ...a, error: attemptError(d, a), providerMessageId: "", provider: "" })),
  }));
}

function deliveryError(d: Delivery): string {
  if (d.lastError === "") return "";
  if (noAddress.test(d.lastError)) return UserDeliveryError.noAddress;
  return unsettled.has(d.status) ? UserDeliveryError.retrying : UserDeliveryError.undeliverable;
}

function attemptError(d: Delivery, a: DeliveryAttempt): string {
  if (a.outcome === "sent") return "";
  if (noAddress.test(a.error)) return UserDeliveryError.noAddress;
  if (a.outcome === "permanent_error") return UserDeliveryError.undeliverable;
  // A transient failure was followed by a retry, unless it was the last attempt of a delivery that died.
  const last = a.number === d.attempts;
  return last && d.status === "dead" ? UserDeliveryError.undeliverable : UserDeliveryError.retrying;
}
