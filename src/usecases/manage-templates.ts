import type { ChannelCatalog } from "../domain/channel.js";
import type { Template } from "../domain/content.js";
import { InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import type { Principal } from "../domain/principal.js";
import type { Queryable } from "../store/database.js";
import { templateStore } from "../store/template-store.js";
import { compileContentPart } from "../templates/content-part.js";
import { TemplateSyntaxError } from "../templates/handlebars-compiler.js";
import { normalizeLocale } from "../templates/locale.js";
import { requireScope } from "./access.js";

/**
 * TemplateService: templates are checked by compiling them before they are
 * stored; `maxExpressions` bounds each part's expressions (compile cost).
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
      const spec = deps.catalog.get(template.channel)?.content;
      if (spec === undefined || spec === null) {
        throw new InvalidArgumentError(
          "template.channel",
          `${template.channel} has no templates on this server (it is not offered, or carries the notification itself)`,
        );
      }
      const typed = ["email", "in_app", "sms", "push"].includes(template.channel);
      const fieldOf = (part: string) =>
        typed ? `template.${template.channel}.${part}` : `template.parts.parts["${part}"]`;
      for (const [part, source] of Object.entries(template.content)) {
        const partSpec = spec.parts[part];
        if (partSpec === undefined) {
          throw new InvalidArgumentError(
            fieldOf(part),
            `is not a part of ${template.channel} templates (${Object.keys(spec.parts).join(", ")})`,
          );
        }
        try {
          compileContentPart(String(source), partSpec, deps.maxExpressions);
        } catch (error) {
          if (!(error instanceof TemplateSyntaxError)) throw error;
          throw new InvalidArgumentError(fieldOf(part), error.message, { cause: error });
        }
      }
      for (const [part, partSpec] of Object.entries(spec.parts)) {
        if (partSpec.optional !== true && (template.content[part] ?? "") === "" && !typed) {
          throw new InvalidArgumentError(fieldOf(part), "is required");
        }
      }
      return templateStore.upsert(deps.db, template);
    },

    async get(principal: Principal, key: string, channel: string, locale: string): Promise<Template> {
      requireScope(principal, "admin", "manage templates");
      const t = await templateStore.get(deps.db, key, channel, normalizeLocale(locale));
      if (t === null) throw new NotFoundError(`no ${channel} template "${key}" for locale ${locale}`);
      return t;
    },

    async list(principal: Principal, key: string): Promise<Template[]> {
      requireScope(principal, "admin", "manage templates");
      return templateStore.list(deps.db, key);
    },

    async delete(principal: Principal, key: string, channel: string, locale: string): Promise<void> {
      requireScope(principal, "admin", "manage templates");
      if (!(await templateStore.delete(deps.db, key, channel, normalizeLocale(locale)))) {
        throw new NotFoundError(`no ${channel} template "${key}" for locale ${locale}`);
      }
    },
  };
}
