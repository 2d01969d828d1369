import type { Logger } from "pino";
import { defaultTenant } from "../domain/tenant.js";
import type { Broadcast } from "../messaging/broadcast.js";

export interface TenantDirectoryOptions {
  /** Every tenant's id, from the database. */
  load: () => Promise<string[]>;
  /** How often to reload them: the longest a tenant made or deleted by another process goes unseen without its announcement. */
  refreshMs: number;
  /**
   * Announces tenant changes to the other processes (NATS, best effort, as
   * token revocations are) and hears theirs; without it only the reload
   * every `refreshMs` carries them.
   */
  broadcast?: Broadcast;
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
  // The message only says "reload": the database is the truth, and a reload
  // also catches whatever an earlier lost message said.
  options.broadcast?.listen(() => void refresh());
  return {
    exists: (tenantId: string) => ids.has(tenantId),
    /** Reloads now (a tenant was made or deleted); resolves when done. */
    refresh,
    /** A tenant was made or deleted here: known here once this resolves, and in the other processes within a moment. */
    async changed() {
      await refresh();
      options.broadcast?.send("changed");
    },
    ready,
    stop: () => clearInterval(timer),
  };
}

export type TenantDirectory = ReturnType<typeof createTenantDirectory>;
