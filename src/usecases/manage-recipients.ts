import { NotFoundError, PermissionDeniedError, ResourceExhaustedError } from "../domain/errors.js";
import type { Principal } from "../domain/principal.js";
import type { Device, Platform, Recipient, RecipientPatch } from "../domain/recipient.js";
import type { Transactor } from "../store/database.js";
import type { RecipientStore } from "../store/recipient-store.js";
import { normalizeLocale } from "../templates/locale.js";
import { requireScope, resolveUserId } from "./access.js";

/** RecipientService: contact data, devices, and revoking a user's tokens. */
export function createManageRecipients(deps: {
  db: Transactor;
  recipients: RecipientStore;
  /** Told when a user's data (preferences included) was erased, so caches drop it. */
  erased: (userId: string) => void;
  /** Told, after commit, that the user's tokens issued before `before` are revoked. */
  tokensRevoked: (userId: string, before: Date) => void;
  /** Most push devices one user may have. */
  maxDevices: number;
}) {
  return {
    async upsert(principal: Principal, userId: string, patch: RecipientPatch): Promise<Recipient> {
      requireScope(principal, "admin", "change recipients' contact data");
      const normalized = patch.locale ? { ...patch, locale: normalizeLocale(patch.locale) } : patch;
      await deps.recipients.upsert(userId, normalized);
      return deps.recipients.get(userId);
    },

    async get(principal: Principal, userId: string): Promise<Recipient> {
      return deps.recipients.get(resolveUserId(principal, userId, "read", "read recipients"));
    },

    /**
     * Erases the user's personal data and revokes their tokens (a token of an
     * erased user must not recreate data); returns how many notifications went.
     */
    async delete(principal: Principal, userId: string): Promise<number> {
      requireScope(principal, "admin", "delete recipients");
      const { deleted, before } = await deps.db.run(async (tx) => ({
        deleted: await deps.recipients.erase(tx, userId),
        before: await deps.recipients.revokeTokens(tx, userId),
      }));
      deps.erased(userId);
      deps.tokensRevoked(userId, before);
      return deleted;
    },

    /** Refuses every user token of the user issued until now; returns that time. */
    async revokeTokens(principal: Principal, userId: string): Promise<Date> {
      requireScope(principal, "admin", "revoke user tokens");
      const before = await deps.db.run((tx) => deps.recipients.revokeTokens(tx, userId));
      deps.tokensRevoked(userId, before);
      return before;
    },

    /**
     * A push token belongs to one user. Registering it again for that user
     * returns the device; for another user it moves only with an API key (which
     * needs the admin scope here): a user token gets an error that names nobody
     * else's user, device or dates.
     */
    async registerDevice(principal: Principal, userId: string, platform: Platform, token: string): Promise<Device> {
      const id = resolveUserId(principal, userId, "admin", "register devices");
      return deps.db.run(async (tx) => {
        await deps.recipients.lockDevices(tx, id);
        const registered = await deps.recipients.registerDevice(tx, id, platform, token, {
          move: principal.kind === "api_key",
        });
        if (registered === null) {
          throw new PermissionDeniedError(
            "token: this push token is registered to another user; only an admin API key may move it",
          );
        }
        if (registered.added && (await deps.recipients.deviceCount(tx, id)) > deps.maxDevices) {
          throw new ResourceExhaustedError(
            `devices: a user may have at most ${deps.maxDevices} push devices; unregister one first`,
          );
        }
        return registered.device;
      });
    },

    async unregisterDevice(principal: Principal, userId: string, token: string): Promise<void> {
      const id = resolveUserId(principal, userId, "admin", "unregister devices");
      if (!(await deps.recipients.unregisterDevice(id, token))) {
        throw new NotFoundError("no device with this token is registered for the user");
      }
    },
  };
}
