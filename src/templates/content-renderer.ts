import type { ContentByChannel, Template, TemplatedChannel } from "../domain/content.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { NotificationDraft } from "../domain/notification.js";
import type { TemplateStore } from "../store/template-store.js";
import { defaultContent } from "./default-content.js";
import { type CompiledPart, compilePart, MissingVariableError } from "./handlebars-compiler.js";
import { localeChain } from "./locale.js";

/** Renders one channel's content in one locale, for one Send. */
export type RenderContent = <C extends TemplatedChannel>(channel: C, locale: string) => ContentByChannel[C];

const htmlParts = new Set(["html"]);

/**
 * Content for Send: from the templates of `template_key` (each channel's
 * template in the recipient's locale, falling back along the locale chain to
 * the default locale), or from the request's title and body. Compiled templates
 * are cached by key, channel, locale and last change; a Send loads its key's
 * templates once and renders each channel once per locale.
 */
export function createContentRenderer(options: {
  templates: Pick<TemplateStore, "list">;
  defaultLocale: string;
  cacheSize?: number;
}) {
  const cacheSize = options.cacheSize ?? 1000;
  const compiled = new Map<string, Record<string, CompiledPart>>();

  function compileTemplate(t: Template): Record<string, CompiledPart> {
    const cacheKey = `${t.key}\u0000${t.channel}\u0000${t.locale}\u0000${t.updatedAt?.getTime() ?? 0}`;
    let parts = compiled.get(cacheKey);
    if (parts === undefined) {
      parts = Object.fromEntries(
        Object.entries(t.content).map(([part, source]) => [part, compilePart(String(source), htmlParts.has(part))]),
      );
      if (compiled.size >= cacheSize) compiled.delete(compiled.keys().next().value as string);
      compiled.set(cacheKey, parts);
    }
    return parts;
  }

  return {
    /** Prepares the content of one Send; throws InvalidArgumentError for a request it cannot render. */
    async forSend(draft: NotificationDraft): Promise<RenderContent> {
      const hasContent = draft.title !== "" && draft.body !== "";
      const fallback = hasContent ? defaultContent(draft) : null;
      if (draft.templateKey === "") {
        if (draft.title === "") throw new InvalidArgumentError("title", "is required unless template_key is given");
        if (draft.body === "") throw new InvalidArgumentError("body", "is required unless template_key is given");
        const content = defaultContent(draft);
        return (channel) => content[channel];
      }
      const templates = await options.templates.list(draft.templateKey);
      if (templates.length === 0) {
        throw new InvalidArgumentError("template_key", `no template has the key "${draft.templateKey}"`);
      }
      const data = draft.data ?? {};
      const memo = new Map<string, unknown>();
      return ((channel: TemplatedChannel, locale: string) => {
        const memoKey = `${channel}\u0000${locale}`;
        if (memo.has(memoKey)) return memo.get(memoKey);
        const chain = localeChain(locale, options.defaultLocale);
        const template = chain
          .map((l) => templates.find((t) => t.channel === channel && t.locale === l))
          .find((t) => t !== undefined);
        let content: unknown;
        if (template !== undefined) {
          const parts = compileTemplate(template);
          content = Object.fromEntries(
            Object.entries(parts).map(([part, render]) => {
              try {
                return [part, render(data)];
              } catch (error) {
                if (!(error instanceof MissingVariableError)) throw error;
                throw new InvalidArgumentError(
                  "data",
                  `template "${draft.templateKey}" (${channel} ${part}, ${template.locale}) ${error.message}`,
                  { cause: error },
                );
              }
            }),
          );
        } else if (fallback !== null) {
          content = fallback[channel];
        } else {
          throw new InvalidArgumentError(
            "template_key",
            `"${draft.templateKey}" has no ${channel} template for locale ${chain.join(" or ")}, and the request has no title and body to fall back on`,
          );
        }
        memo.set(memoKey, content);
        return content;
      }) as RenderContent;
    },
  };
}

export type ContentRenderer = ReturnType<typeof createContentRenderer>;
