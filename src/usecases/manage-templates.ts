import type { ChannelCatalog } from "../domain/channel.js";
import type { Template } from "../domain/content.js";
import { NotFoundError } from "../domain/errors.js";
import type { Principal } from "../domain/principal.js";
import type { Queryable } from "../store/database.js";
import { templateStore } from "../store/template-store.js";
import { normalizeLocale } from "../templates/locale.js";
import { requireScope } from "./access.js";
import { compileTemplateChecked } from "./template-check.js";

/**
 * TemplateService: templates are checked by compiling them before they are
 * stored; `maxExpressions` bounds each part's expressions (compile cost).
 * Every call works in the caller's tenant: another tenant's templates answer
 * as absent ones do.
 */
export function createManageTemplates(deps: {
  db: Queryable;
  maxExpressions: number;
  /** The channels this server offers: each says which parts its templates have. */
  catalog: ChannelCatalog;
}) {
  return {
    async upsert(principal: Principal, template: Template): Promise<Template> {
      requireScope(principal, "admin", "manage templates");
      compileTemplateChecked(template, deps.catalog, deps.maxExpressions);
      return templateStore.upsert(deps.db, principal.tenantId, template);
    },

    async get(principal: Principal, key: string, channel: string, locale: string): Promise<Template> {
      requireScope(principal, "read", "read templates");
      const t = await templateStore.get(deps.db, principal.tenantId, key, channel, normalizeLocale(locale));
      if (t === null) throw new NotFoundError(`no ${channel} template "${key}" for locale ${locale}`);
      return t;
    },

    async list(principal: Principal, key: string): Promise<Template[]> {
      requireScope(principal, "read", "read templates");
      return templateStore.list(deps.db, principal.tenantId, key);
    },

    async delete(principal: Principal, key: string, channel: string, locale: string): Promise<void> {
      requireScope(principal, "admin", "manage templates");
      if (!(await templateStore.delete(deps.db, principal.tenantId, key, channel, normalizeLocale(locale)))) {
        throw new NotFoundError(`no ${channel} template "${key}" for locale ${locale}`);
      }
    },
  };
}
