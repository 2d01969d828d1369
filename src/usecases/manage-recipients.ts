import { NotFoundError } from "../domain/errors.js";
import type { Principal } from "../domain/principal.js";
import type { Device, Platform, Recipient, RecipientPatch } from "../domain/recipient.js";
import type { Transactor } from "../store/database.js";
import type { RecipientStore } from "../store/recipient-store.js";
import { normalizeLocale } from "../templates/locale.js";
import { requireScope, resolveUserId } from "./access.js";

/** RecipientService: contact data and devices. */
export function createManageRecipients(deps: {
  db: Transactor;
  recipients: RecipientStore;
  /** Told when a user's data (preferences included) was erased, so caches drop it. */
  erased: (userId: string) => void;
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

    /** Erases the user's personal data; returns how many notifications went. */
    async delete(principal: Principal, userId: string): Promise<number> {
      requireScope(principal, "admin", "delete recipients");
      const deleted = await deps.db.run((tx) => deps.recipients.erase(tx, userId));
      deps.erased(userId);
      return deleted;
    },

    async registerDevice(principal: Principal, userId: string, platform: Platform, token: string): Promise<Device> {
      const id = resolveUserId(principal, userId, "admin", "register devices");
      return deps.recipients.registerDevice(id, platform, token);
    },

    async unregisterDevice(principal: Principal, userId: string, token: string): Promise<void> {
      const id = resolveUserId(principal, userId, "admin", "unregister devices");
      if (!(await deps.recipients.unregisterDevice(id, token))) {
        throw new NotFoundError("no device with this token is registered for the user");
      }
    },
  };
}
