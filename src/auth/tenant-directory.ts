import type { Logger } from "pino";
import { defaultTenant } from "../domain/tenant.js";

export interface TenantDirectoryOptions {
  /** Every tenant's id, from the database. */
  load: () => Promise<string[]>;
  /** How often to reload them: the longest a tenant made or deleted by another process goes unseen without its announcement. */
  refreshMs: number;
  logger: Logger;
}

/**
 * Which tenants exist, held in memory by each process so that checking a
 * user token's tenant costs a set lookup. Tenants are few and change rarely:
 * the set is reloaded every `refreshMs`, and at once when this process (or an
 * announcement from another one) changes it.
 */
export function createTenantDirectory(options: TenantDirectoryOptions) {
  let ids = new Set([defaultTenant]);
  const refresh = async () => {
    try {
      ids = new Set([defaultTenant, ...(await options.load())]);
    } catch (err) {
      options.logger.warn({ err }, "could not load the tenants");
    }
  };
  const ready = refresh();
  const timer = setInterval(refresh, options.refreshMs);
  timer.unref();
  return {
    exists: (tenantId: string) => ids.has(tenantId),
    /** Reloads now (a tenant was made or deleted); resolves when done. */
    refresh,
    ready,
    stop: () => clearInterval(timer),
  };
}

export type TenantDirectory = ReturnType<typeof createTenantDirectory>;
