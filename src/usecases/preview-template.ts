import type { ChannelCatalog } from "../domain/channel.js";
import type { Content, Template } from "../domain/content.js";
import type { JsonObject } from "../domain/notification.js";
import type { Principal } from "../domain/principal.js";
import type { ContentRenderer } from "../templates/content-renderer.js";
import { requireScope } from "./access.js";
import { checkJsonBytes } from "./json-size.js";
import { maxDataBytes } from "./send-notification.js";
import { compileTemplateChecked } from "./template-check.js";

/**
 * PreviewTemplate (`read`, like TemplateService's other reads): compiles a
 * template as UpsertTemplate does and renders it as a Send would, with `data`
 * as its only variables (as Send's), within the same limits, storing nothing.
 * Errors are InvalidArgumentError naming the part (compiling) or `data` and
 * the part (rendering).
 */
export function createPreviewTemplate(deps: {
  renderer: Pick<ContentRenderer, "preview">;
  catalog: ChannelCatalog;
  maxExpressions: number;
}) {
  return async function previewTemplate(
    principal: Principal,
    template: Template,
    data: JsonObject | null,
  ): Promise<Content> {
    requireScope(principal, "read", "preview templates");
    if (data !== null) checkJsonBytes("data", data, maxDataBytes); // Send's limit, so a preview never passes what Send refuses
    const compiled = compileTemplateChecked(template, deps.catalog, deps.maxExpressions);
    return deps.renderer.preview(template, compiled, data ?? {});
  };
}
