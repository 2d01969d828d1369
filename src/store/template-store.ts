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

/** Templates, one row per key, channel and locale; the parts as JSON. */
export const templateStore = {
  async upsert(q: Queryable, t: Template): Promise<Template> {
    const [row] = await q.rows<TemplateRow>(
      `INSERT INTO templates (key, channel, locale, content) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (key, channel, locale) DO UPDATE SET content = EXCLUDED.content, updated_at = now()
       RETURNING ${columns}`,
      [t.key, t.channel, t.locale, JSON.stringify(t.content)],
    );
    return toTemplate(row as TemplateRow);
  },

  async get(q: Queryable, key: string, channel: string, locale: string): Promise<Template | null> {
    const [row] = await q.rows<TemplateRow>(
      `SELECT ${columns} FROM templates WHERE key = $1 AND channel = $2 AND locale = $3`,
      [key, channel, locale],
    );
    return row ? toTemplate(row) : null;
  },

  /** Every template of a key (all channels and locales), or every template. */
  async list(q: Queryable, key: string): Promise<Template[]> {
    const rows = await q.rows<TemplateRow>(
      `SELECT ${columns} FROM templates WHERE $1 = '' OR key = $1 ORDER BY key, channel, locale`,
      [key],
    );
    return rows.map(toTemplate);
  },

  async delete(q: Queryable, key: string, channel: string, locale: string): Promise<boolean> {
    return (
      (await q.exec("DELETE FROM templates WHERE key = $1 AND channel = $2 AND locale = $3", [key, channel, locale])) >
      0
    );
  },
};

export type TemplateStore = typeof templateStore;
