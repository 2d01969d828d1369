/**
 * The template editor (`#/templates/<key>/<channel>/<locale>`): one textarea
 * per part, sample data, Preview (TemplateService.PreviewTemplate) and Save
 * (UpsertTemplate), with the server's error shown next to the part it names.
 */
import type { Template } from "../../../../gen/ts/herald/v1/template_service_pb.js";
import type { ConsoleContext } from "../context.js";
import { field, h } from "../dom.js";
import { button, errorSlot, isNotFound, textArea } from "../form-kit.js";
import {
  channelFromName,
  defaultSampleData,
  parseJsonObject,
  partFromError,
  type TemplateChannel,
  templateHash,
} from "../forms.js";
import { errorText, time } from "../labels.js";
import { editorParts, partsOfTemplate, templateContent } from "../template-content.js";
import { previewOutput, sendTestSection } from "./template-preview.js";

/** Sample data typed per template key, kept while the console is open so switching locale keeps it. */
const samples = new Map<string, string>();

export async function renderEditor(
  into: HTMLElement,
  ctx: ConsoleContext,
  route: { key: string; channel: string; locale: string },
  signal: AbortSignal,
): Promise<void> {
  const { key, locale } = route;
  const channelEnum = channelFromName(route.channel);
  into.append(h("p", {}, h("a", { text: "← All templates", attrs: { href: "#/templates" } })));
  if (channelEnum === undefined) {
    into.append(
      h("p", { class: "error form-error", text: `No templates exist for a channel named “${route.channel}”.` }),
    );
    return;
  }
  const channel = route.channel as TemplateChannel;
  const [stored, siblings] = await Promise.allSettled([
    ctx.clients.templates.getTemplate({ key, channel: channelEnum, locale }, { signal }),
    ctx.clients.templates.listTemplates({ key }, { signal }),
  ]);
  if (signal.aborted) return;
  let template: Template | undefined;
  if (stored.status === "fulfilled") template = stored.value.template;
  else if (!isNotFound(stored.reason)) {
    into.append(h("p", { class: "error form-error", text: errorText(stored.reason), attrs: { role: "alert" } }));
    return;
  }
  const locales =
    siblings.status === "fulfilled"
      ? siblings.value.templates.filter((t) => t.channel === channelEnum).map((t) => t.locale)
      : [];
  if (!locales.includes(locale)) locales.push(locale);

  const storedParts = template === undefined ? {} : partsOfTemplate(template);
  const areas = new Map<string, HTMLTextAreaElement>();
  const partFields = editorParts(channel, storedParts).map((spec) => {
    const area = textArea(`part_${spec.name}`, storedParts[spec.name] ?? "", spec.long ? 6 : 2);
    area.id = `part-${spec.name}`;
    areas.set(spec.name, area);
    return field(spec.optional ? `${spec.label} (optional)` : spec.label, area);
  });
  const sample = textArea("sample_data", samples.get(key) ?? defaultSampleData, 6);
  sample.id = "sample-data";
  const errors = errorSlot();
  const outputBody = h(
    "div",
    {},
    h("p", { text: "Preview renders the parts above with the sample data; nothing is stored." }),
  );
  const output = h(
    "section",
    { class: "preview", attrs: { "aria-labelledby": "preview-heading" } },
    h("h2", { text: "Preview", attrs: { id: "preview-heading" } }),
    outputBody,
  );

  const localeSelect = h("select", { attrs: { id: "template-locale", name: "locale" } });
  for (const l of locales.sort()) {
    const option = h("option", { text: l, attrs: { value: l } });
    option.selected = l === locale;
    localeSelect.append(option);
  }
  // A button rather than navigating on `change`: arrowing through a closed select fires change at each step.
  const openLocale = button("Open locale", () => ctx.navigate(templateHash(key, channel, localeSelect.value)), {
    class: "secondary small",
    attrs: { id: "template-open-locale" },
  });

  const readParts = () => Object.fromEntries([...areas].map(([name, area]) => [name, area.value]));
  const draft = () => ({ key, channel: channelEnum, locale, content: templateContent(channel, readParts()) });
  /** Shows an error from the server next to the part it names, else next to the form. */
  const showError = (err: unknown) => {
    const message = errorText(err);
    const part = partFromError(message, channel);
    errors.show(message, part === null ? (message.startsWith("data") ? sample : null) : areas.get(part));
  };
  const readSample = () => {
    const parsed = parseJsonObject(sample.value);
    if ("error" in parsed) {
      errors.show(`Sample data: ${parsed.error}`, sample);
      return undefined;
    }
    samples.set(key, sample.value);
    return parsed.value;
  };

  const preview = async () => {
    errors.clear();
    const data = readSample();
    if (data === undefined) return;
    try {
      const res = await ctx.clients.templates.previewTemplate({ template: draft(), data }, { signal });
      outputBody.replaceChildren(...previewOutput(channel, locale, res.parts));
      ctx.announce("Preview rendered.");
    } catch (err) {
      if (signal.aborted) return;
      // An older rendering left in place would pass for this one's.
      outputBody.replaceChildren(h("p", { text: "No preview: see the error in the form." }));
      showError(err);
    }
  };
  const save = async () => {
    errors.clear();
    try {
      const res = await ctx.clients.templates.upsertTemplate({ template: draft() }, { signal });
      saved.textContent = `Saved ${time(res.template?.updateTime)}.`;
      lastChanged.textContent = `Last changed ${time(res.template?.updateTime)}.`;
      ctx.announce(`Template ${key} (${channel}, ${locale}) saved.`);
    } catch (err) {
      if (!signal.aborted) showError(err);
    }
  };
  const saved = h("p", { class: "result", attrs: { id: "template-saved" } });
  const lastChanged = h("p", {
    text: template === undefined ? "New template: not saved yet." : `Last changed ${time(template.updateTime)}.`,
  });
  const actions = h(
    "div",
    { class: "actions" },
    button("Preview", () => void preview(), { attrs: { id: "template-preview" } }),
  );
  if (ctx.can("admin")) actions.append(button("Save", () => void save(), { attrs: { id: "template-save" } }));

  into.append(
    h("h2", { text: `${key} · ${channel} · ${locale}`, attrs: { id: "template-heading" } }),
    lastChanged,
    h(
      "div",
      { class: "template-layout" },
      h(
        "form",
        {
          class: "template-form",
          attrs: { "aria-labelledby": "template-heading" },
          on: { submit: (e) => e.preventDefault() },
        },
        h("div", { class: "inline-form" }, field("Locale", localeSelect), h("div", { class: "actions" }, openLocale)),
        ...partFields,
        field("Sample data (JSON)", sample),
        errors.element,
        actions,
        saved,
      ),
      output,
    ),
  );
  if (ctx.can("send")) into.append(sendTestSection(ctx, { key, channel: channelEnum, data: readSample, errors }));
  // Coming back from another locale with sample data typed: show that locale's rendering at once.
  if (template !== undefined && samples.has(key)) await preview();
}
