/**
 * Templates: every template (TemplateService.ListTemplates), a form to start
 * a new one, and the editor at `#/templates/<key>/<channel>/<locale>`.
 * A read key sees and previews them; saving and new templates need admin.
 */
import "./manage-pages.css";
import type { ConsoleContext, ConsolePage } from "../context.js";
import { field, h } from "../dom.js";
import { errorSlot, row, textInput } from "../form-kit.js";
import { channelToName, templateChannels, templateHash } from "../forms.js";
import { errorText, table, time } from "../labels.js";
import { renderEditor } from "./template-editor.js";

export const templatesPage: ConsolePage = {
  route: "templates",
  title: "Templates",
  scope: "read",
  async render(into, ctx, path, signal) {
    into.append(h("h1", { text: "Templates" }));
    const [key, channel, locale] = path;
    if (key !== undefined && channel !== undefined && locale !== undefined) {
      await renderEditor(into, ctx, { key, channel, locale }, signal);
      return;
    }
    const list = h("div", {}, h("p", { text: "Loading templates…" }));
    into.append(list);
    if (ctx.can("admin")) into.append(newTemplateForm(ctx));
    try {
      const { templates } = await ctx.clients.templates.listTemplates({ key: key ?? "" }, { signal });
      const rows = templates.map((t) => {
        const name = channelToName(t.channel);
        return row(
          h("a", { text: t.key, attrs: { href: templateHash(t.key, name, t.locale) } }),
          name,
          t.locale,
          time(t.updateTime),
        );
      });
      list.replaceChildren(
        rows.length === 0
          ? h("p", { text: "No templates yet." })
          : table("Templates by key, channel and locale", ["Key", "Channel", "Locale", "Updated"], rows),
      );
    } catch (err) {
      if (!signal.aborted)
        list.replaceChildren(h("p", { class: "error form-error", text: errorText(err), attrs: { role: "alert" } }));
    }
  },
};

/** Key, channel and locale of a template to create; opens the editor, where nothing is stored until Save. */
function newTemplateForm(ctx: ConsoleContext): HTMLElement {
  const key = textInput("key", "", { id: "new-template-key" });
  const channel = h("select", { attrs: { id: "new-template-channel", name: "channel" } });
  for (const name of templateChannels) channel.append(h("option", { text: name, attrs: { value: name } }));
  const locale = textInput("locale", "en", { id: "new-template-locale" });
  const errors = errorSlot();
  return h(
    "section",
    { attrs: { "aria-labelledby": "new-template-heading" } },
    h("h2", { text: "New template", attrs: { id: "new-template-heading" } }),
    h(
      "form",
      {
        class: "inline-form",
        on: {
          submit: (event) => {
            event.preventDefault();
            errors.clear();
            if (!/^[a-z0-9][a-z0-9_.-]*$/.test(key.value)) {
              errors.show("Key: lowercase letters, digits, “.”, “_” and “-”, starting with a letter or digit.", key);
              return;
            }
            if (!/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/.test(locale.value)) {
              errors.show("Locale: a BCP 47 tag such as en or de-AT.", locale);
              return;
            }
            ctx.navigate(templateHash(key.value, channel.value, locale.value));
          },
        },
      },
      field("Key", key),
      field("Channel", channel),
      field("Locale", locale),
      h(
        "div",
        { class: "actions" },
        h("button", { text: "Create", attrs: { type: "submit", id: "new-template-create" } }),
      ),
    ),
    errors.element,
  );
}
