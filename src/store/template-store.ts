import type { Channel } from "../domain/channel.js";
import type { Template } from "../domain/content.js";
import type { Queryable } from "./database.js";

interface TemplateRow {
  key: string;
  channel: Channel;
  locale: string;
  content: Template["content"];
  updated_at: Date;
}

const toTemplate = (r: TemplateRow): Template =>
  ({ key: r.key, channel: r.channel, locale: r.locale, content: r.content, updatedAt: r.updated_at }) as Template;

const columns = "key, channel, locale, content, updated_at";

/**
 * Templates, one row per tenant, key, channel and locale; the parts as JSON.
 * The same key in two tenants is two templates.
 */
export const templateStore = {
  async upsert(q: Queryable, tenantId: string, t: Template): Promise<Template> {
    const [row] = await q.rows<TemplateRow>(
      `INSERT INTO templates (tenant_id, key, channel, locale, content) VALUES ($1, $2, $3, $4, $5::jsonb)
       ON CONFLICT (tenant_id, key, channel, locale) DO UPDATE SET content = EXCLUDED.content, updated_at = now()
       RETURNING ${columns}`,
      [tenantId, t.key, t.channel, t.locale, JSON.stringify(t.content)],
    );
    return toTemplate(row as TemplateRow);
  },

  async get(q: Queryable, tenantId: string, key: string, channel: string, locale: string): Promise<Template | null> {
    const [row] = await q.rows<TemplateRow>(
      `SELECT ${columns} FROM templates WHERE tenant_id = $1 AND key = $2 AND channel = $3 AND locale = $4`,
      [tenantId, key, channel, locale],
    );
    return row ? toTemplate(row) : null;
  },

  /** Every template of a key (all channels and locales), or every template of the tenant. */
  async list(q: Queryable, tenantId: string, key: string): Promise<Template[]> {
    const rows = await q.rows<TemplateRow>(
      `SELECT ${columns} FROM templates WHERE tenant_id = $1 AND ($2 = '' OR key = $2) ORDER BY key, channel, locale`,
      [tenantId, key],
    );
    return rows.map(toTemplate);
  },

  async delete(q: Queryable, tenantId: string, key: string, channel: string, locale: string): Promise<boolean> {
    const n = await q.exec("DELETE FROM templates WHERE tenant_id = $1 AND key = $2 AND channel = $3 AND locale = $4", [
      tenantId,
      key,
      channel,
      locale,
    ]);
    return n > 0;
  },
};

export type TemplateStore = typeof templateStore;
