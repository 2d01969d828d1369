import { generateApiKey, hashSecret, parseApiKey } from "../auth/api-key-format.js";
import { InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import { allScopes, Scope } from "../domain/principal.js";
import { defaultTenant } from "../domain/tenant.js";
import { type ApiKeyRecord, apiKeyStore } from "../store/api-key-store.js";
import type { Queryable } from "../store/database.js";
import { tenantStore } from "../store/tenant-store.js";

/** API key administration, for the `herald keys` CLI and the bootstrap key. */
export function createManageApiKeys(deps: { db: Queryable }) {
  return {
    /**
     * Creates a key of a tenant; the returned `key` is the only time the secret
     * is seen. Only keys of the default tenant may hold `super_admin`.
     */
    async create(
      name: string,
      scopes: Scope[],
      tenantId: string = defaultTenant,
    ): Promise<{ key: string; record: ApiKeyRecord }> {
      if (name.trim() === "" || name.length > 100) {
        throw new InvalidArgumentError("name", "must be 1 to 100 characters");
      }
      if (scopes.length === 0) throw new InvalidArgumentError("scopes", "must name at least one scope");
      if (tenantId !== defaultTenant && scopes.includes(Scope.superAdmin)) {
        throw new InvalidArgumentError("scopes", "super_admin is only for keys of the default tenant");
      }
      if ((await tenantStore.get(deps.db, tenantId)) === null) {
        throw new InvalidArgumentError("tenant", `no tenant "${tenantId}"`);
      }
      const { key, id, secret } = generateApiKey();
      const record = await apiKeyStore.insert(deps.db, {
        id,
        tenantId,
        name,
        secretHash: hashSecret(secret),
        scopes: [...new Set(scopes)],
      });
      return { key, record };
    },

    /** The keys of one tenant, or of all of them (null). */
    list: (tenantId: string | null = null) => apiKeyStore.list(deps.db, tenantId),

    /** Revokes a live key (of `tenantId` only, when given: another tenant's key answers as an unknown one). */
    async revoke(id: string, tenantId: string | null = null): Promise<void> {
      const key = await apiKeyStore.find(deps.db, id);
      const found = key !== null && key.revokedAt === null && (tenantId === null || key.tenantId === tenantId);
      if (!found || !(await apiKeyStore.revoke(deps.db, id))) {
        throw new NotFoundError(`no live API key with id ${id}${tenantId === null ? "" : ` in tenant "${tenantId}"`}`);
      }
    },

    /** Makes sure `key` works with every scope (HERALD_BOOTSTRAP_API_KEY). */
    async ensureBootstrap(key: string): Promise<string> {
      const parsed = parseApiKey(key);
      if (parsed === null) throw new InvalidArgumentError("HERALD_BOOTSTRAP_API_KEY", "is not an hk_<id>_<secret> key");
      await apiKeyStore.upsert(deps.db, {
        id: parsed.id,
        name: "bootstrap",
        secretHash: hashSecret(parsed.secret),
        scopes: [...allScopes],
      });
      return parsed.id;
    },
  };
}
