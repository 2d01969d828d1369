import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
} from "../domain/errors.js";
import { type Principal, Scope } from "../domain/principal.js";
import { defaultTenant, isTenantId } from "../domain/tenant.js";
import {
  emptyTenantSettings,
  keepStoredSecrets,
  type TenantSettings,
  validateTenantSettings,
} from "../domain/tenant-settings.js";
import type { Database } from "../store/database.js";
import { type TenantRecord, tenantStore } from "../store/tenant-store.js";
import { createManageApiKeys } from "./manage-api-keys.js";
import { decodePagePosition, encodePageToken } from "./page-token.js";

export interface ManageTenantsDeps {
  db: Database;
  /** A tenant was made, changed or deleted here: this process and the others reload what they hold of tenants. */
  changed: () => Promise<void>;
}

/** Fails unless the caller holds `super_admin` in the default tenant (admin does not imply it). */
export function requireSuperAdmin(principal: Principal, action: string): void {
  if (principal.kind === "user") throw new PermissionDeniedError(`only API keys and operators may ${action}`);
  if (principal.tenantId !== defaultTenant || !principal.scopes.includes(Scope.superAdmin)) {
    throw new PermissionDeniedError(`the "super_admin" scope of the default tenant is needed to ${action}`);
  }
}

function checkId(id: string, field = "id"): void {
  if (!isTenantId(id)) throw new InvalidArgumentError(field, "must match ^[a-z0-9][a-z0-9-]{0,62}$");
}

function checkName(name: string): void {
  if (name.trim() === "" || name.length > 100) throw new InvalidArgumentError("name", "must be 1 to 100 characters");
}

/** TenantService: tenants, their settings and their API keys. */
export function createManageTenants(deps: ManageTenantsDeps) {
  const { db } = deps;
  const keys = createManageApiKeys({ db });
  const existing = async (id: string, field = "id"): Promise<TenantRecord> => {
    checkId(id, field);
    const tenant = await tenantStore.get(db, id);
    if (tenant === null) throw new NotFoundError(`no tenant "${id}"`);
    return tenant;
  };

  return {
    async create(
      principal: Principal,
      input: { id: string; name: string; settings: TenantSettings | null },
    ): Promise<TenantRecord> {
      requireSuperAdmin(principal, "create tenants");
      checkId(input.id);
      checkName(input.name);
      const settings = input.settings ?? emptyTenantSettings;
      validateTenantSettings(settings);
      const tenant = await tenantStore.insert(db, { id: input.id, name: input.name, settings });
      if (tenant === null) throw new AlreadyExistsError(`tenant "${input.id}" exists`);
      await deps.changed();
      return tenant;
    },

    async get(principal: Principal, id: string): Promise<TenantRecord> {
      requireSuperAdmin(principal, "read tenants");
      return existing(id);
    },

    async list(
      principal: Principal,
      page: { size: number; token: string },
    ): Promise<{ tenants: TenantRecord[]; nextPageToken: string }> {
      requireSuperAdmin(principal, "list tenants");
      if (!Number.isInteger(page.size) || page.size < 0 || page.size > 500) {
        throw new InvalidArgumentError("page_size", "must be 0 to 500");
      }
      const size = page.size === 0 ? 100 : page.size;
      const after =
        page.token === ""
          ? null
          : decodePagePosition(page.token, "tenants", /^[a-z0-9][a-z0-9-]{0,62}$/, "ListTenants");
      const rows = await tenantStore.list(db, after, size + 1);
      const tenants = rows.slice(0, size);
      const last = tenants.at(-1);
      const nextPageToken = rows.length > size && last !== undefined ? encodePageToken(last.id, "tenants") : "";
      return { tenants, nextPageToken };
    },

    /** Changes the name and/or replaces the settings (stored secrets kept where the caller left them empty). */
    async update(
      principal: Principal,
      id: string,
      change: { name?: string; settings?: TenantSettings | null },
    ): Promise<TenantRecord> {
      requireSuperAdmin(principal, "change tenants");
      if (change.name === undefined && change.settings === undefined) {
        throw new InvalidArgumentError("update_mask", "must name `name` and/or `settings`");
      }
      if (change.name !== undefined) checkName(change.name);
      const stored = await existing(id);
      let settings: TenantSettings | undefined;
      if (change.settings !== undefined) {
        settings = keepStoredSecrets(change.settings ?? emptyTenantSettings, stored.settings);
        validateTenantSettings(settings);
      }
      const tenant = await tenantStore.update(db, id, {
        ...(change.name !== undefined && { name: change.name }),
        ...(settings !== undefined && { settings }),
      });
      if (tenant === null) throw new NotFoundError(`no tenant "${id}"`);
      // Announced too, so that whatever caches a tenant's settings can reload them.
      await deps.changed();
      return tenant;
    },

    /**
     * Deletes a tenant and all its rows in one transaction; refused while it
     * has a live API key (revoke them first), and for the default tenant.
     */
    async delete(principal: Principal, id: string): Promise<void> {
      requireSuperAdmin(principal, "delete tenants");
      checkId(id);
      if (id === defaultTenant) throw new InvalidArgumentError("id", "the default tenant cannot be deleted");
      await db.transaction(async (tx) => {
        if (!(await tenantStore.lock(tx, id))) throw new NotFoundError(`no tenant "${id}"`);
        const live = await tenantStore.liveKeyCount(tx, id);
        if (live > 0) {
          throw new FailedPreconditionError(
            `tenant "${id}" has ${live} live API key(s); revoke them (RevokeTenantApiKey) before deleting it`,
          );
        }
        await tenantStore.deleteWithData(tx, id);
      });
      await deps.changed();
    },

    async createKey(principal: Principal, tenantId: string, name: string, scopes: string[]) {
      requireSuperAdmin(principal, "create keys of tenants");
      await existing(tenantId, "tenant_id");
      const allowed: string[] = [Scope.send, Scope.read, Scope.admin];
      const bad = scopes.find((s) => !allowed.includes(s));
      if (bad !== undefined) throw new InvalidArgumentError("scopes", `"${bad}" is not one of send, read, admin`);
      return keys.create(name, scopes as Scope[], tenantId);
    },

    async listKeys(principal: Principal, tenantId: string) {
      requireSuperAdmin(principal, "list keys of tenants");
      await existing(tenantId, "tenant_id");
      return keys.list(tenantId);
    },

    async revokeKey(principal: Principal, tenantId: string, keyId: string): Promise<void> {
      requireSuperAdmin(principal, "revoke keys of tenants");
      await existing(tenantId, "tenant_id");
      await keys.revoke(keyId, tenantId);
    },
  };
}

export type ManageTenants = ReturnType<typeof createManageTenants>;
