import type { Channel, ChannelCatalog } from "../domain/channel.js";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
} from "../domain/errors.js";
import type { Principal } from "../domain/principal.js";
import type { Device, DeviceRegistration, Recipient, RecipientPatch } from "../domain/recipient.js";
import type { Database } from "../store/database.js";
import { fanoutChunkStore } from "../store/fanout-chunk-store.js";
import { quietHoursStore } from "../store/quiet-hours-store.js";
import { recipientStore } from "../store/recipient-store.js";
import { topicMemberStore } from "../store/topic-member-store.js";
import { normalizeLocale } from "../templates/locale.js";
import { requireScope, resolveUserId } from "./access.js";
import { checkJsonBytes } from "./json-size.js";
import { maxDataBytes } from "./send-notification.js";

/**
 * RecipientService: contact data, devices, and revoking a user's tokens. Every
 * call acts in the caller's tenant: the same user id in another tenant is
 * another person, never read or changed here.
 */
export function createManageRecipients(deps: {
  db: Database;
  /** Told when a tenant's user's data (preferences included) was erased, so caches drop it. */
  erased: (tenantId: string, userId: string) => void;
  /** Told, after commit, that the tenant's user's tokens issued before `before` are revoked. */
  tokensRevoked: (tenantId: string, userId: string, before: Date) => void;
  /** Most push devices one user may have. */
  maxDevices: number;
  /** The channels this server offers: each checks the addresses and devices it sends to. */
  catalog: ChannelCatalog;
  /** The VAPID public key browsers subscribe with; "" when the server does not offer web push. */
  webPushPublicKey: string;
}) {
  /** Checks each address against its channel (email and SMS addresses are checked by the contract too). */
  const checkAddresses = (addresses: Record<string, string>) => {
    for (const [channel, address] of Object.entries(addresses)) {
      const field = channel === "email" ? "email" : channel === "sms" ? "phone" : `addresses["${channel}"]`;
      const traits = deps.catalog.get(channel as Channel);
      if (traits === undefined || !traits.targets.includes("address")) {
        if (channel === "email" || channel === "sms") continue; // kept for when the channel is turned on
        const known = [...deps.catalog.values()].filter((t) => t.targets.includes("address")).map((t) => t.id);
        throw new InvalidArgumentError(
          field,
          `names no channel of this server that sends to an address (${known.join(", ")})`,
        );
      }
      const problem = address === "" ? null : (traits.checkAddress?.(address) ?? null);
      if (problem !== null) throw new InvalidArgumentError(field, problem);
    }
  };

  /**
   * Checks a device against the offered channels that send to its platform. A
   * browser subscription is refused while no channel takes it: it was made
   * with a VAPID key this server does not have. An FCM token is kept for when
   * push is turned on.
   */
  const checkDevice = (device: DeviceRegistration) => {
    const takers = [...deps.catalog.values()].filter((t) => t.devicePlatforms?.includes(device.platform));
    if (device.webPush !== null && takers.length === 0) {
      throw new FailedPreconditionError("web_push: this server does not offer web push (no VAPID keys are configured)");
    }
    for (const traits of takers) {
      const problem = traits.checkDevice?.(device) ?? null;
      if (problem !== null) throw new InvalidArgumentError(problem.field, problem.problem);
    }
  };

  return {
    async upsert(principal: Principal, userId: string, patch: RecipientPatch): Promise<Recipient> {
      requireScope(principal, "admin", "change recipients' contact data");
      checkAddresses(patch.addresses ?? {});
      // The contract promises attributes the bounds of Send's data, size included.
      if (patch.attributes !== undefined) checkJsonBytes("attributes", patch.attributes, maxDataBytes);
      const normalized = patch.locale ? { ...patch, locale: normalizeLocale(patch.locale) } : patch;
      await recipientStore.upsert(deps.db, principal.tenantId, userId, normalized);
      return recipientStore.get(deps.db, principal.tenantId, userId);
    },

    async get(principal: Principal, userId: string): Promise<Recipient> {
      const id = resolveUserId(principal, userId, "read", "read recipients");
      return recipientStore.get(deps.db, principal.tenantId, id);
    },

    /**
     * Erases the user's personal data (topic memberships and chunks of
     * fan-outs not yet written included, so no fan-out reaches them any more) and revokes their tokens (a token of an
     * erased user must not recreate data); returns how many notifications went.
     */
    async delete(principal: Principal, userId: string): Promise<number> {
      requireScope(principal, "admin", "delete recipients");
      const { tenantId } = principal;
      const { deleted, before } = await deps.db.transaction(async (tx) => {
        // Quiet hours and topic memberships are the user's data too; their stores alone write them.
        await quietHoursStore.clear(tx, tenantId, userId);
        await topicMemberStore.eraseUser(tx, tenantId, userId);
        await fanoutChunkStore.forgetUser(tx, tenantId, userId);
        return {
          deleted: await recipientStore.erase(tx, tenantId, userId),
          before: await recipientStore.revokeTokens(tx, tenantId, userId),
        };
      });
      deps.erased(tenantId, userId);
      deps.tokensRevoked(tenantId, userId, before);
      return deleted;
    },

    /** Refuses every user token of the user issued until now; returns that time. */
    async revokeTokens(principal: Principal, userId: string): Promise<Date> {
      requireScope(principal, "admin", "revoke user tokens");
      const before = await deps.db.transaction((tx) => recipientStore.revokeTokens(tx, principal.tenantId, userId));
      deps.tokensRevoked(principal.tenantId, userId, before);
      return before;
    },

    /**
     * A push token belongs to one user. Registering it again for that user
     * returns the device; for another user it moves only with an API key (which
     * needs the admin scope here): a user token gets an error that names nobody
     * else's user, device or dates.
     */
    async registerDevice(principal: Principal, userId: string, device: DeviceRegistration): Promise<Device> {
      const id = resolveUserId(principal, userId, "admin", "register devices");
      checkDevice(device);
      const { tenantId } = principal;
      return deps.db.transaction(async (tx) => {
        await recipientStore.lockDevices(tx, tenantId, id);
        const registered = await recipientStore.registerDevice(tx, tenantId, id, device.platform, device.token, {
          move: principal.kind !== "user",
          webPush: device.webPush,
        });
        if (registered === null) {
          const field = device.webPush === null ? "token" : "web_push.endpoint";
          throw new PermissionDeniedError(
            `${field}: this push token is registered to another user; only an admin API key may move it`,
          );
        }
        if (registered.added && (await recipientStore.deviceCount(tx, tenantId, id)) > deps.maxDevices) {
          throw new ResourceExhaustedError(
            `devices: a user may have at most ${deps.maxDevices} push devices; unregister one first`,
          );
        }
        return registered.device;
      });
    },

    /** The VAPID public key browsers subscribe with; any caller may read it (it is public by design). */
    webPushKey(): string {
      return deps.webPushPublicKey;
    },

    async unregisterDevice(principal: Principal, userId: string, token: string): Promise<void> {
      const id = resolveUserId(principal, userId, "admin", "unregister devices");
      if (!(await recipientStore.unregisterDevice(deps.db, principal.tenantId, id, token))) {
        throw new NotFoundError("no device with this token is registered for the user");
      }
    },
  };
}
