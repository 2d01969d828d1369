import type { Logger } from "pino";
import { defaultTenant } from "../domain/tenant.js";
import type { TenantSettings } from "../domain/tenant-settings.js";
import type { Broadcast } from "../messaging/broadcast.js";

export interface TenantDirectoryOptions {
  /** Every tenant's id and settings, from the database. */
  load: () => Promise<Array<{ id: string; settings: TenantSettings }>>;
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
 * Which tenants exist and their settings, held in memory by each process so
 * that checking a user token's tenant, or reading a tenant's limits on every
 * call, costs a map lookup. Tenants are few and change rarely:
 * the set is reloaded every `refreshMs`, and at once when this process (or an
 * announcement from another one) changes it.
 */
export function createTenantDirectory(options: TenantDirectoryOptions) {
  let tenants = new Map<string, TenantSettings | undefined>([[defaultTenant, undefined]]);
  const refresh = async () => {
    try {
      const rows = await options.load();
      tenants = new Map([[defaultTenant, undefined], ...rows.map((r) => [r.id, r.settings] as const)]);
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
    exists: (tenantId: string) => tenants.has(tenantId),
    /** A tenant's settings as last loaded; undefined for an unknown tenant (or before the first load). */
    settings: (tenantId: string): TenantSettings | undefined => tenants.get(tenantId),
    /** A tenant's own limits (0: the deployment's), for the rate limiter (build-server's TenantLimitsOf). */
    limits: (tenantId: string) => tenants.get(tenantId)?.limits,
    /** Reloads now (a tenant was made or deleted); resolves when done. */
    refresh,
    /** A tenant was made, changed or deleted here: known here once this resolves, and in the other processes within a moment. */
    async changed() {
      await refresh();
      options.broadcast?.send("changed");
    },
    ready,
    stop: () => clearInterval(timer),
  };
}

export type TenantDirectory = ReturnType<typeof createTenantDirectory>;
