import type { Channel, ChannelCatalog } from "../domain/channel.js";
import type { Content, Template } from "../domain/content.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { NotificationDraft } from "../domain/notification.js";
import type { Queryable } from "../store/database.js";
import { templateStore } from "../store/template-store.js";
import { compileContentPart } from "./content-part.js";
import { type CompiledPart, MissingVariableError, TemplateSyntaxError } from "./handlebars-compiler.js";
import { localeChain } from "./locale.js";
import { RenderBudget, RenderLimitError, type RenderLimits } from "./render-budget.js";

/** Renders one channel's content in one locale, for one Send. */
export type RenderContent = (channel: Channel, locale: string) => Content;

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
 * the default locale), or from the request's title and body. Templates are
 * the Send's tenant's. Compiled templates are cached by tenant, key, channel,
 * locale and last change; a Send loads its key's
 * templates once and renders each channel once per locale. A Send's rendering
 * runs within `limits` and each rendered part within its size limit (the
 * channel's content spec); a Send that would exceed either fails with
 * INVALID_ARGUMENT naming the template, before anything is written.
 */
export function createContentRenderer(options: {
  /** Where templates are read (the pool). */
  db: Queryable;
  /** What each offered channel's content is (its parts, their limits, its default). */
  contents: ChannelCatalog;
  defaultLocale: string;
  renderBudgetMs: number;
  renderMaxIterations: number;
  renderMaxBytes: number;
  /** Most expressions a template part may have (see compilePart). */
  maxExpressions: number;
  cacheSize?: number;
}) {
  const cacheSize = options.cacheSize ?? 1000;
  const limits: RenderLimits = {
    maxMs: options.renderBudgetMs,
    maxIterations: options.renderMaxIterations,
    maxDataChars: options.renderMaxBytes,
  };
  const partsOf = (channel: Channel) => options.contents.get(channel)?.content?.parts ?? {};
  /** What each channel says for a Send without a template. */
  const defaultsOf = (draft: NotificationDraft) => (channel: Channel) =>
    options.contents.get(channel)?.content?.fromDraft(draft) ?? {};
  // A template that does not compile is cached as its error, so a Send does
  // not pay for parsing it again.
  const compiled = new Map<string, Record<string, CompiledPart> | InvalidArgumentError>();

  function compileTemplate(tenantId: string, t: Template): Record<string, CompiledPart> {
    const cacheKey = `${tenantId}\u0000${t.key}\u0000${t.channel}\u0000${t.locale}\u0000${t.updatedAt?.getTime() ?? 0}`;
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
      return compileContentPart(source, partsOf(t.channel)[part], options.maxExpressions);
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
  function renderTemplate(tenantId: string, key: string, template: Template, data: object, budget: RenderBudget) {
    return renderCompiled(key, template, compileTemplate(tenantId, template), data, budget);
  }

  function renderCompiled(
    key: string,
    template: Template,
    compiledParts: Record<string, CompiledPart>,
    data: object,
    budget: RenderBudget,
  ): Content {
    const specs = partsOf(template.channel);
    return Object.fromEntries(
      Object.entries(compiledParts).map(([part, render]) => {
        const where = `template "${key}" (${template.channel} ${part}, ${template.locale})`;
        const limit = specs[part]?.maxChars ?? 0;
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
    /**
     * PreviewTemplate: renders a template compiled by the caller (not cached:
     * it need not be stored) with `data`, within a Send's limits; throws
     * InvalidArgumentError (field `data`) naming the part that failed.
     */
    preview(template: Template, compiledParts: Record<string, CompiledPart>, data: object): Content {
      return renderCompiled(template.key, template, compiledParts, data, new RenderBudget(limits));
    },

    /**
     * Prepares the content of one Send of `tenantId`, from that tenant's
     * templates; throws InvalidArgumentError for a request it cannot render.
     * `q` reads the templates (default: the pool); a workflow step passes its
     * transaction.
     */
    async forSend(tenantId: string, draft: NotificationDraft, q: Queryable = options.db): Promise<RenderContent> {
      const hasContent = draft.title !== "" && draft.body !== "";
      const fallback = hasContent ? defaultsOf(draft) : null;
      if (draft.templateKey === "") {
        if (draft.title === "") throw new InvalidArgumentError("title", "is required unless template_key is given");
        if (draft.body === "") throw new InvalidArgumentError("body", "is required unless template_key is given");
        return defaultsOf(draft);
      }
      const templates = await templateStore.list(q, tenantId, draft.templateKey);
      if (templates.length === 0) {
        throw new InvalidArgumentError("template_key", `no template has the key "${draft.templateKey}"`);
      }
      const data = draft.data ?? {};
      const budget = new RenderBudget(limits);
      const memo = new Map<string, Content>();
      return (channel: Channel, locale: string): Content => {
        const memoKey = `${channel}\u0000${locale}`;
        const known = memo.get(memoKey);
        if (known !== undefined) return known;
        const chain = localeChain(locale, options.defaultLocale);
        const template = chain
          .map((l) => templates.find((t) => t.channel === channel && t.locale === l))
          .find((t) => t !== undefined);
        let content: Content;
        if (template !== undefined) {
          content = renderTemplate(tenantId, draft.templateKey, template, data, budget);
        } else if (fallback !== null) {
          content = fallback(channel);
        } else {
          throw new InvalidArgumentError(
            "template_key",
            `"${draft.templateKey}" has no ${channel} template for locale ${chain.join(" or ")}, and the request has no title and body to fall back on`,
          );
        }
        memo.set(memoKey, content);
        return content;
      };
    },
  };
}

export type ContentRenderer = ReturnType<typeof createContentRenderer>;
