import type { Queryable } from "./database.js";

/** Tenants (migration 0013). */
export const tenantStore = {
  /** Every tenant's id. */
  async ids(q: Queryable): Promise<string[]> {
    const rows = await q.rows<{ id: string }>("SELECT id FROM tenants ORDER BY id");
    return rows.map((r) => r.id);
  },
};
