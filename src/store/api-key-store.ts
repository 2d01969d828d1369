import type { Scope } from "../domain/principal.js";
import { defaultTenant } from "../domain/tenant.js";
import type { Queryable } from "./database.js";

/** An API key as stored: the secret only as its SHA-256 hash. */
export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  name: string;
  secretHash: Buffer;
  scopes: Scope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string;
  secret_hash: Buffer;
  scopes: Scope[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const toRecord = (r: ApiKeyRow): ApiKeyRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  secretHash: r.secret_hash,
  scopes: r.scopes,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

const columns = "id, tenant_id, name, secret_hash, scopes, created_at, last_used_at, revoked_at";

/** API keys: ids, names, scopes and the hash of each secret. */
export const apiKeyStore = {
  async insert(
    q: Queryable,
    key: { id: string; tenantId: string; name: string; secretHash: Buffer; scopes: Scope[] },
  ): Promise<ApiKeyRecord> {
    const [row] = await q.rows<ApiKeyRow>(
      `INSERT INTO api_keys (id, tenant_id, name, secret_hash, scopes) VALUES ($1, $2, $3, $4, $5::text[])
       RETURNING ${columns}`,
      [key.id, key.tenantId, key.name, key.secretHash, key.scopes],
    );
    return toRecord(row as ApiKeyRow);
  },

  /** Creates or restores a key of the default tenant with this id, hash and scopes (bootstrap keys). */
  async upsert(q: Queryable, key: { id: string; name: string; secretHash: Buffer; scopes: Scope[] }): Promise<void> {
    await q.exec(
      `INSERT INTO api_keys (id, tenant_id, name, secret_hash, scopes) VALUES ($1, $5, $2, $3, $4::text[])
       ON CONFLICT (id) DO UPDATE
         SET tenant_id = EXCLUDED.tenant_id, name = EXCLUDED.name, secret_hash = EXCLUDED.secret_hash,
             scopes = EXCLUDED.scopes, revoked_at = NULL`,
      [key.id, key.name, key.secretHash, key.scopes, defaultTenant],
    );
  },

  async find(q: Queryable, id: string): Promise<ApiKeyRecord | null> {
    const [row] = await q.rows<ApiKeyRow>(`SELECT ${columns} FROM api_keys WHERE id = $1`, [id]);
    return row ? toRecord(row) : null;
  },

  /** The keys of one tenant, or of every tenant (null). */
  async list(q: Queryable, tenantId: string | null): Promise<ApiKeyRecord[]> {
    const rows = await q.rows<ApiKeyRow>(
      `SELECT ${columns} FROM api_keys WHERE $1::text IS NULL OR tenant_id = $1 ORDER BY created_at`,
      [tenantId],
    );
    return rows.map(toRecord);
  },

  /** Revokes a key; false if there is no such live key. */
  async revoke(q: Queryable, id: string): Promise<boolean> {
    const count = await q.exec("UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", [id]);
    return count > 0;
  },

  /** Records use, at most once a minute per key so busy keys do not write on every call. */
  async touch(q: Queryable, id: string): Promise<void> {
    await q.exec(
      `UPDATE api_keys SET last_used_at = now()
       WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  },
};

export type ApiKeyStore = typeof apiKeyStore;
