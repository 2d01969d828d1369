import { createHash } from "node:crypto";
import { v7 as uuidv7 } from "uuid";
import type { InAppChannel } from "../channels/in-app-channel.js";
import { AlreadyExistsError, InvalidArgumentError } from "../domain/errors.js";
import { type Channel, DeliveryStatus, type Notification, type NotificationDraft } from "../domain/notification.js";
import { isChannelEnabled, type Preferences } from "../domain/preferences.js";
import type { Principal } from "../domain/principal.js";
import type { Transactor } from "../store/database.js";
import type { IdempotencyStore } from "../store/idempotency-store.js";
import type { NewDelivery, NotificationStore } from "../store/notification-store.js";
import type { PreferenceStore } from "../store/preference-store.js";
import { requireScope } from "./access.js";

export interface SendNotificationDeps {
  db: Transactor;
  notifications: NotificationStore;
  preferences: PreferenceStore;
  idempotency: IdempotencyStore;
  inApp: InAppChannel;
  /** Channels this server delivers on. */
  channels: readonly Channel[];
}

/** Largest `data` accepted, as JSON. */
export const maxDataBytes = 16 * 1024;

/**
 * Send: one notification per recipient, each with one delivery per channel, all
 * written in one transaction. In-app deliveries that are due go into the inbox
 * in that same transaction and reach live streams once it commits.
 */
export function createSendNotification(deps: SendNotificationDeps) {
  return async function sendNotification(principal: Principal, draft: NotificationDraft): Promise<Notification[]> {
    requireScope(principal, "send", "send notifications");
    const senderKeyId = principal.kind === "api_key" ? principal.keyId : null;
    checkDraft(draft, deps.channels);

    const now = new Date();
    const scheduled = draft.sendAt !== null && draft.sendAt > now;
    const channels = draft.channels.length > 0 ? draft.channels : deps.channels;
    const wantsInApp = channels.includes("in_app");
    const { category, title, body, actionUrl, data, priority } = draft;
    const notifications: Notification[] = draft.userIds.map((userId) => ({
      id: uuidv7(),
      userId,
      ...{ category, title, body, actionUrl, data, priority },
      createdAt: now,
      sendAt: scheduled ? (draft.sendAt as Date) : now,
      readAt: null,
      archivedAt: null,
    }));
    // Preferences are read before the transaction: a change racing with this Send
    // may or may not apply to it, as with any message already in flight.
    const prefs = wantsInApp && !scheduled ? await deps.preferences.forCategory(draft.userIds, draft.category) : null;
    const key = draft.idempotencyKey !== "" && senderKeyId !== null ? draft.idempotencyKey : null;
    const fingerprint = key === null ? null : requestHash(draft);

    const outcome = await deps.db.run(async (tx) => {
      if (key !== null) {
        const claim = await deps.idempotency.claim(tx, senderKeyId as string, key, fingerprint as Buffer);
        if (!claim.claimed) return { replayOf: claim, events: [] };
      }
      const { inbox, others, deliveries } = plan(notifications, channels, scheduled, prefs);
      const events = await deps.inApp.insertIntoInbox(tx, inbox, senderKeyId);
      await deps.notifications.insert(
        tx,
        others.map((n) => ({ notification: n, seq: null, senderKeyId })),
      );
      await deps.notifications.insertDeliveries(tx, deliveries);
      if (key !== null)
        await deps.idempotency.complete(
          tx,
          senderKeyId as string,
          key,
          notifications.map((n) => n.id),
        );
      return { replayOf: null, events };
    });

    if (outcome.replayOf !== null) {
      if (!outcome.replayOf.requestHash.equals(fingerprint as Buffer)) {
        throw new AlreadyExistsError(
          `idempotency_key "${key}" was already used for a different request; use a new key for a new notification`,
        );
      }
      return deps.notifications.getMany(outcome.replayOf.notificationIds);
    }
    deps.inApp.publish(outcome.events);
    return notifications;
  };
}

function checkDraft(draft: NotificationDraft, available: readonly Channel[]): void {
  draft.channels.forEach((channel, i) => {
    if (!available.includes(channel)) {
      throw new InvalidArgumentError(`channels[${i}]`, `channel "${channel}" is not enabled on this server`);
    }
  });
  if (draft.data !== null && Buffer.byteLength(JSON.stringify(draft.data)) > maxDataBytes) {
    throw new InvalidArgumentError("data", `must be at most ${maxDataBytes} bytes as JSON`);
  }
}

/** Decides each delivery's fate: scheduled, suppressed by preferences, or sent now. */
function plan(
  notifications: Notification[],
  channels: readonly Channel[],
  scheduled: boolean,
  prefs: Map<string, Preferences> | null,
): { inbox: Notification[]; others: Notification[]; deliveries: NewDelivery[] } {
  const inbox: Notification[] = [];
  const others: Notification[] = [];
  const deliveries: NewDelivery[] = [];
  for (const n of notifications) {
    let inInbox = false;
    for (const channel of channels) {
      let status: DeliveryStatus = scheduled ? DeliveryStatus.scheduled : DeliveryStatus.pending;
      if (channel === "in_app" && !scheduled) {
        const p = prefs?.get(n.userId);
        inInbox = p === undefined || isChannelEnabled(p, n.category, "in_app");
        status = inInbox ? DeliveryStatus.sent : DeliveryStatus.suppressed;
      }
      deliveries.push({ id: uuidv7(), notificationId: n.id, channel, status, dueAt: n.sendAt });
    }
    (inInbox ? inbox : others).push(n);
  }
  return { inbox, others, deliveries };
}

/** Fingerprint of what a Send asks for, to tell a retry from a different request. */
function requestHash(draft: NotificationDraft): Buffer {
  const canonical = JSON.stringify([
    draft.userIds,
    draft.category,
    draft.title,
    draft.body,
    draft.actionUrl,
    sortKeys(draft.data),
    draft.priority,
    [...draft.channels].sort(),
    draft.sendAt?.toISOString() ?? null,
  ]);
  return createHash("sha256").update(canonical).digest();
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
