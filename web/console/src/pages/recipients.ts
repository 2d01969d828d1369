/**
 * Recipients: look up a user, see their contact data (masked by default),
 * devices and preferences, jump to their notifications, and, with an admin
 * key, erase them (RecipientService.DeleteRecipient) after typing their id.
 */
import "./manage-pages.css";
import type { ConsoleContext, ConsolePage } from "../context.js";
import { field, h } from "../dom.js";
import { button, errorSlot, isNotFound, textInput } from "../form-kit.js";
import { hasRecipientRecord } from "../forms.js";
import { errorText } from "../labels.js";
import { routeHash } from "../route.js";
import { contactSection, devicesSection, preferencesSection } from "./recipient-view.js";

export const recipientsPage: ConsolePage = {
  route: "recipients",
  title: "Recipients",
  scope: "read",
  async render(into, ctx, path, signal) {
    const userId = path[0] ?? "";
    into.append(h("h1", { text: "Recipients" }), lookupForm(ctx, userId));
    if (userId === "") return;
    const result = h("p", { class: "result", attrs: { role: "status", id: "erase-result", tabindex: "-1" } });
    const details = h("div", { class: "recipient" });
    into.append(result, details);
    await showUser(details, ctx, userId, signal, async (message) => {
      result.textContent = message;
      // The button that had the focus goes with the redrawn record: the focus goes to the outcome.
      result.focus();
      await showUser(details, ctx, userId, signal, () => {});
    });
  },
};

function lookupForm(ctx: ConsoleContext, userId: string): HTMLFormElement {
  const input = textInput("user_id", userId, { id: "recipient-user", required: "" });
  return h(
    "form",
    {
      class: "inline-form",
      attrs: { role: "search", "aria-label": "Look up a recipient" },
      on: {
        submit: (event) => {
          event.preventDefault();
          const id = input.value.trim();
          if (id !== "") ctx.navigate(`#/recipients/${encodeURIComponent(id)}`);
        },
      },
    },
    field("User id", input),
    h("div", { class: "actions" }, h("button", { text: "Look up", attrs: { type: "submit" } })),
  );
}

/**
 * Fills `into` with what Herald knows of the user. A user may have
 * notifications and preferences without a recipient record, so a user
 * without one (GetRecipient's empty answer) still shows the rest.
 */
async function showUser(
  into: HTMLElement,
  ctx: ConsoleContext,
  userId: string,
  signal: AbortSignal,
  erased: (message: string) => void | Promise<void>,
): Promise<void> {
  const [recipient, prefs] = await Promise.allSettled([
    ctx.clients.recipients.getRecipient({ userId }, { signal }),
    ctx.clients.notifications.getPreferences({ userId }, { signal }),
  ]);
  if (signal.aborted) return;
  const parts: HTMLElement[] = [h("h2", { text: userId, attrs: { id: "recipient-heading" } })];
  parts.push(
    h(
      "p",
      {},
      h("a", {
        text: `Notifications of ${userId}`,
        attrs: { href: routeHash("activity", [], new URLSearchParams({ user: userId })) },
      }),
    ),
  );
  const found = recipient.status === "fulfilled" ? recipient.value.recipient : undefined;
  if (found !== undefined && hasRecipientRecord(found)) {
    parts.push(contactSection(found), devicesSection(found));
  } else if (recipient.status === "fulfilled" || isNotFound(recipient.reason)) {
    parts.push(
      h("p", { class: "notice", attrs: { id: "no-recipient" }, text: `There is no recipient named ${userId}.` }),
    );
  } else if (recipient.status === "rejected") {
    parts.push(h("p", { class: "error form-error", text: errorText(recipient.reason), attrs: { role: "alert" } }));
  }
  if (prefs.status === "fulfilled") parts.push(preferencesSection(prefs.value));
  else parts.push(h("p", { class: "error form-error", text: errorText(prefs.reason), attrs: { role: "alert" } }));
  if (ctx.can("admin")) parts.push(eraseSection(ctx, userId, erased));
  into.replaceChildren(...parts);
}

/**
 * "Erase user": a modal dialog explains what goes and asks for the user id
 * typed again, so a wrong click or a wrong page cannot erase anyone.
 */
function eraseSection(
  ctx: ConsoleContext,
  userId: string,
  erased: (message: string) => void | Promise<void>,
): HTMLElement {
  const confirmInput = textInput("confirm_user_id", "", { id: "erase-confirm" });
  const errors = errorSlot();
  const erase = h("button", { class: "danger", text: "Erase", attrs: { type: "submit", id: "erase-submit" } });
  erase.disabled = true;
  confirmInput.addEventListener("input", () => {
    erase.disabled = confirmInput.value !== userId;
  });
  const dialog = h("dialog", { attrs: { "aria-labelledby": "erase-title", id: "erase-dialog" } });
  const form = h(
    "form",
    {
      on: {
        submit: async (event) => {
          event.preventDefault();
          if (confirmInput.value !== userId) return;
          erase.disabled = true;
          errors.clear();
          try {
            const res = await ctx.clients.recipients.deleteRecipient({ userId });
            dialog.close();
            const n = res.deletedNotifications;
            await erased(`Erased ${userId}: ${n} notification${n === 1 ? "" : "s"} removed, tokens revoked.`);
          } catch (err) {
            errors.show(errorText(err), confirmInput);
            erase.disabled = false;
          }
        },
      },
    },
    h("h2", { text: `Erase ${userId}?`, attrs: { id: "erase-title" } }),
    h("p", {
      text:
        "Erasing removes this user's personal data from Herald: contact data, push devices, preferences and " +
        "quiet hours, every notification with its deliveries, and their live feed. It also revokes the user's " +
        "tokens. It cannot be undone.",
    }),
    field(`Type “${userId}” to confirm`, confirmInput),
    errors.element,
    h(
      "div",
      { class: "actions" },
      erase,
      button("Cancel", () => dialog.close(), { class: "secondary", attrs: { id: "erase-cancel" } }),
    ),
  );
  dialog.append(form);
  const open = button(
    "Erase user…",
    () => {
      confirmInput.value = "";
      erase.disabled = true;
      errors.clear();
      dialog.showModal();
      confirmInput.focus();
    },
    { class: "danger", attrs: { id: "erase-open", "aria-haspopup": "dialog" } },
  );
  return h(
    "section",
    { class: "danger-zone" },
    h("h2", { text: "Erase" }),
    h("p", { text: "Removes everything Herald holds about this user (asks to confirm first)." }),
    h("div", { class: "actions" }, open),
    dialog,
  );
}
