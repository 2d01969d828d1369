/**
 * What the template editor shows after Preview, and its "Send test" form.
 */
import type { JsonObject } from "@bufbuild/protobuf";
import type { Channel } from "../../../../gen/ts/herald/v1/notification_pb.js";
import type { ConsoleContext } from "../context.js";
import { field, h } from "../dom.js";
import { button, type ErrorSlot, errorSlot, textInput } from "../form-kit.js";
import { channelParts, type TemplateChannel } from "../forms.js";
import { errorText } from "../labels.js";

/**
 * The rendered parts, in the channel's order. An email's HTML goes into a
 * frame with an empty `sandbox` (no scripts, no forms, its own opaque origin)
 * and `srcdoc`, so the template's HTML never touches the console's page.
 */
export function previewOutput(channel: TemplateChannel, locale: string, parts: Record<string, string>): HTMLElement[] {
  const order = channelParts[channel].map((p) => p.name);
  const names = [
    ...order.filter((n) => n in parts),
    ...Object.keys(parts)
      .filter((n) => !order.includes(n))
      .sort(),
  ];
  const label = (name: string) => channelParts[channel].find((p) => p.name === name)?.label ?? name;
  return names.map((name) => {
    const text = parts[name] ?? "";
    if (channel === "email" && name === "html") {
      const frame = h("iframe", {
        class: "email-preview",
        attrs: {
          sandbox: "",
          title: `Email HTML preview (${locale})`,
          id: "preview-html",
          referrerpolicy: "no-referrer",
        },
      });
      frame.srcdoc = text;
      return h("div", { class: "preview-part" }, h("h3", { text: label(name) }), frame);
    }
    return h(
      "div",
      { class: "preview-part" },
      h("h3", { text: label(name) }),
      h("pre", { class: "rendered", text, attrs: { id: `preview-${name}`, tabindex: "0" } }),
    );
  });
}

/**
 * "Send test": Send to one user with this template key and the sample data,
 * on this template's channel only. The title and body are a fallback for a
 * channel the key has no template for; the notification's id links to its page.
 */
export function sendTestSection(
  ctx: ConsoleContext,
  test: { key: string; channel: Channel; data: () => JsonObject | undefined; errors: ErrorSlot },
): HTMLElement {
  const user = textInput("test_user_id", "", { id: "test-user" });
  const category = textInput("test_category", "console.test", { id: "test-category" });
  const errors = errorSlot();
  const result = h("p", { class: "result", attrs: { role: "status", id: "test-result" } });
  const send = async () => {
    errors.clear();
    test.errors.clear();
    result.replaceChildren();
    if (user.value.trim() === "") {
      errors.show("Enter the user id to send the test to.", user);
      return;
    }
    const data = test.data();
    if (data === undefined) return;
    try {
      const res = await ctx.clients.notifications.send({
        userIds: [user.value.trim()],
        category: category.value.trim(),
        templateKey: test.key,
        data,
        channels: [test.channel],
        title: `Test of template ${test.key}`,
        body: `A test of template ${test.key}, sent from the Herald console.`,
      });
      const id = res.notifications[0]?.id ?? "";
      result.append(
        "Sent: ",
        h("a", {
          text: `notification ${id}`,
          attrs: { href: `#/notifications/${encodeURIComponent(id)}`, id: "test-link" },
        }),
      );
      ctx.announce(`Test sent: notification ${id}.`);
    } catch (err) {
      const message = errorText(err);
      // Render errors (a variable the sample data lacks) are about the editor above, not these fields.
      const control = message.startsWith("category") ? category : message.startsWith("user_ids") ? user : null;
      errors.show(message, control);
    }
  };
  return h(
    "section",
    { attrs: { "aria-labelledby": "send-test-heading" } },
    h("h2", { text: "Send test", attrs: { id: "send-test-heading" } }),
    h("p", { text: "Sends a real notification on this channel to one user, with the sample data above." }),
    h(
      "form",
      { class: "inline-form", on: { submit: (e) => e.preventDefault() } },
      field("User id", user),
      field("Category", category),
      h(
        "div",
        { class: "actions" },
        button("Send test", () => void send(), { attrs: { id: "test-send" } }),
      ),
    ),
    errors.element,
    result,
  );
}
