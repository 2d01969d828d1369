import type { Template } from "../domain/content.js";
import { InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import type { Principal } from "../domain/principal.js";
import type { TemplateStore } from "../store/template-store.js";
import { compilePart, TemplateSyntaxError } from "../templates/handlebars-compiler.js";
import { normalizeLocale } from "../templates/locale.js";
import { requireScope } from "./access.js";

/**
 * TemplateService: templates are checked by compiling them before they are
 * stored; `maxExpressions` bounds each part's expressions (compile cost).
 */
export function createManageTemplates(deps: { templates: TemplateStore; maxExpressions: number }) {
  return {
    async upsert(principal: Principal, template: Template): Promise<Template> {
      requireScope(principal, "admin", "manage templates");
      for (const [part, source] of Object.entries(template.content)) {
        try {
          compilePart(String(source), part === "html", deps.maxExpressions);
        } catch (error) {
          if (!(error instanceof TemplateSyntaxError)) throw error;
          const field = `template.${template.channel === "in_app" ? "in_app" : template.channel}.${part}`;
          throw new InvalidArgumentError(field, error.message, { cause: error });
        }
      }
      return deps.templates.upsert(template);
    },

    async get(principal: Principal, key: string, channel: string, locale: string): Promise<Template> {
      requireScope(principal, "admin", "manage templates");
      const t = await deps.templates.get(key, channel, normalizeLocale(locale));
      if (t === null) throw new NotFoundError(`no ${channel} template "${key}" for locale ${locale}`);
      return t;
    },

    async list(principal: Principal, key: string): Promise<Template[]> {
      requireScope(principal, "admin", "manage templates");
      return deps.templates.list(key);
    },

    async delete(principal: Principal, key: string, channel: string, locale: string): Promise<void> {
      requireScope(principal, "admin", "manage templates");
      if (!(await deps.templates.delete(key, channel, normalizeLocale(locale)))) {
        throw new NotFoundError(`no ${channel} template "${key}" for locale ${locale}`);
      }
    },
  };
}
