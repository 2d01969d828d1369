import type { ChannelCatalog } from "../domain/channel.js";
import type { Template } from "../domain/content.js";
import { InvalidArgumentError } from "../domain/errors.js";
import { compileContentPart } from "../templates/content-part.js";
import { type CompiledPart, TemplateSyntaxError } from "../templates/handlebars-compiler.js";

/**
 * Compiles every part of a template as UpsertTemplate accepts it (and
 * PreviewTemplate renders it): the channel must have templates, each part
 * must be one of its parts and compile, required parts must be there.
 * Throws InvalidArgumentError naming the part's field.
 */
export function compileTemplateChecked(
  template: Template,
  catalog: ChannelCatalog,
  maxExpressions: number,
): Record<string, CompiledPart> {
  const spec = catalog.get(template.channel)?.content;
  if (spec === undefined || spec === null) {
    throw new InvalidArgumentError(
      "template.channel",
      `${template.channel} has no templates on this server (it is not offered, or carries the notification itself)`,
    );
  }
  const typed = ["email", "in_app", "sms", "push"].includes(template.channel);
  const fieldOf = (part: string) =>
    typed ? `template.${template.channel}.${part}` : `template.parts.parts["${part}"]`;
  const compiled: Record<string, CompiledPart> = {};
  for (const [part, source] of Object.entries(template.content)) {
    const partSpec = spec.parts[part];
    if (partSpec === undefined) {
      throw new InvalidArgumentError(
        fieldOf(part),
        `is not a part of ${template.channel} templates (${Object.keys(spec.parts).join(", ")})`,
      );
    }
    try {
      compiled[part] = compileContentPart(String(source), partSpec, maxExpressions);
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
  return compiled;
}
