import { type ContentByChannel, renderedLimits, type Template, type TemplatedChannel } from "../domain/content.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { NotificationDraft } from "../domain/notification.js";
import type { TemplateStore } from "../store/template-store.js";
import { defaultContent } from "./default-content.js";
import { type CompiledPart, compilePart, MissingVariableError, TemplateSyntaxError } from "./handlebars-compiler.js";
import { localeChain } from "./locale.js";
import { RenderBudget, RenderLimitError, type RenderLimits } from "./render-budget.js";

/** Renders one channel's content in one locale, for one Send. */
export type RenderContent = <C extends TemplatedChannel>(channel: C, locale: string) => ContentByChannel[C];

const htmlParts = new Set(["html"]);
const count = (n: number) => n.toLocaleString("en-US");

/** Length in Unicode code points, as protovalidate counts a string's characters. */
function codePoints(text: string): number {
  let surrogatePairs = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xdc00 && unit <= 0xdfff && i > 0) {
      const previous = text.charCodeAt(i - 1);
      if (previous >= 0xd800 && previous <= 0xdbff) surrogatePairs++;
    }
  }
  return text.length - surrogatePairs;
}

/**
 * Content for Send: from the templates of `template_key` (each channel's
 * template in the recipient's locale, falling back along the locale chain to
 * the default locale), or from the request's title and body. Compiled templates
 * are cached by key, channel, locale and last change; a Send loads its key's
 * templates once and renders each channel once per locale. A Send's rendering
 * runs within `limits` and each rendered part within its size limit
 * (`renderedLimits`); a Send that would exceed either fails with
 * INVALID_ARGUMENT naming the template, before anything is written.
 */
export function createContentRenderer(options: {
  templates: Pick<TemplateStore, "list">;
  defaultLocale: string;
  limits: RenderLimits;
  /** Most expressions a template part may have (see compilePart). */
  maxExpressions: number;
  cacheSize?: number;
}) {
  const cacheSize = options.cacheSize ?? 1000;
  // A template that does not compile is cached as its error, so a Send does
  // not pay for parsing it again.
  const compiled = new Map<string, Record<string, CompiledPart> | InvalidArgumentError>();

  function compileTemplate(t: Template): Record<string, CompiledPart> {
    const cacheKey = `${t.key}\u0000${t.channel}\u0000${t.locale}\u0000${t.updatedAt?.getTime() ?? 0}`;
    let parts = compiled.get(cacheKey);
    if (parts === undefined) {
      try {
        parts = Object.fromEntries(
          Object.entries(t.content).map(([part, source]) => [part, compileStored(t, part, String(source))]),
        );
      } catch (error) {
        if (!(error instanceof InvalidArgumentError)) throw error;
        parts = error;
      }
      if (compiled.size >= cacheSize) compiled.delete(compiled.keys().next().value as string);
      compiled.set(cacheKey, parts);
    }
    if (parts instanceof InvalidArgumentError) throw parts;
    return parts;
  }

  function compileStored(t: Template, part: string, source: string): CompiledPart {
    try {
      return compilePart(source, htmlParts.has(part), options.maxExpressions);
    } catch (error) {
      // Stored before Herald refused what it refuses now (partials, say).
      if (!(error instanceof TemplateSyntaxError)) throw error;
      throw new InvalidArgumentError(
        "template_key",
        `template "${t.key}" (${t.channel} ${part}, ${t.locale}) does not compile: ${error.message}`,
        { cause: error },
      );
    }
  }

  /** Renders each part of one template, within the Send's budget and each part's size limit. */
  function renderTemplate(key: string, template: Template, data: object, budget: RenderBudget) {
    const limits = renderedLimits[template.channel] as Record<string, number>;
    return Object.fromEntries(
      Object.entries(compileTemplate(template)).map(([part, render]) => {
        const where = `template "${key}" (${template.channel} ${part}, ${template.locale})`;
        const limit = limits[part] ?? 0;
        let text: string;
        try {
          text = render(data, budget, limit);
        } catch (error) {
          if (!(error instanceof MissingVariableError || error instanceof RenderLimitError)) throw error;
          throw new InvalidArgumentError("data", `${where} ${error.message}`, { cause: error });
        }
        const length = codePoints(text);
        if (length > limit) {
          throw new InvalidArgumentError(
            "data",
            `${where} renders ${count(length)} characters; the limit is ${count(limit)}`,
          );
        }
        return [part, text];
      }),
    );
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
      const budget = new RenderBudget(options.limits);
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
          content = renderTemplate(draft.templateKey, template, data, budget);
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
