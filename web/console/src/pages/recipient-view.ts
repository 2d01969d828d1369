/**
 * A recipient's record as the Recipients page shows it: contact data masked
 * until the operator asks to see it, devices, and the user's preferences.
 */

import type { GetPreferencesResponse } from "../../../../gen/ts/herald/v1/notification_service_pb.js";
import { Platform, type Recipient } from "../../../../gen/ts/herald/v1/recipient_service_pb.js";
import { h } from "../dom.js";
import { button, row, uniqueId } from "../form-kit.js";
import { channelSetting, channelToName, maskEmail, maskPhone, maskSecret } from "../forms.js";
import { table, time } from "../labels.js";

/**
 * The contact data with a "Show contact data" toggle (aria-pressed). Masked
 * values carry the class `masked`; the toggle swaps every one of them.
 */
export function contactSection(recipient: Recipient): HTMLElement {
  const values: Array<{ el: HTMLElement; plain: string; masked: string }> = [];
  const value = (plain: string, mask: (v: string) => string) => {
    const el = h("span", { class: "masked", text: plain === "" ? "—" : mask(plain) });
    if (plain !== "") values.push({ el, plain, masked: mask(plain) });
    return el;
  };
  const term = (label: string, ...content: Array<Node | string>) => [h("dt", { text: label }), h("dd", {}, ...content)];
  const addresses = Object.entries(recipient.addresses).sort(([a], [b]) => a.localeCompare(b));
  const list = h(
    "dl",
    { class: "facts", attrs: { id: uniqueId("contact") } },
    ...term("Email", value(recipient.email, maskEmail)),
    ...term("Phone", value(recipient.phone, maskPhone)),
    ...addresses.flatMap(([channel, address]) => term(`Address (${channel})`, value(address, maskSecret))),
    ...term("Locale", recipient.locale || "— (server default)"),
    ...term("Time zone", recipient.timezone || "—"),
    ...term("Updated", time(recipient.updateTime)),
  );
  let shown = false;
  const toggle = button(
    "Show contact data",
    () => {
      shown = !shown;
      toggle.setAttribute("aria-pressed", String(shown));
      for (const v of values) {
        v.el.textContent = shown ? v.plain : v.masked;
        v.el.classList.toggle("masked", !shown);
      }
    },
    { class: "secondary", attrs: { "aria-pressed": "false", "aria-controls": list.id, id: "show-contact" } },
  );
  const attributes = recipient.attributes ?? {};
  return h(
    "section",
    { attrs: { "aria-labelledby": "contact-heading" } },
    h("h2", { text: "Contact data", attrs: { id: "contact-heading" } }),
    h("div", { class: "actions" }, toggle),
    list,
    h("h3", { text: "Attributes" }),
    Object.keys(attributes).length === 0
      ? h("p", { text: "No attributes." })
      : h("pre", { class: "json", text: JSON.stringify(attributes, null, 2), attrs: { tabindex: "0" } }),
  );
}

const platformNames: Record<number, string> = {
  [Platform.ANDROID]: "Android",
  [Platform.IOS]: "iOS",
  [Platform.WEB]: "Web",
};

/** The user's push devices; tokens stay masked (they are credentials to reach the device). */
export function devicesSection(recipient: Recipient): HTMLElement {
  const rows = recipient.devices.map((d) =>
    row(
      platformNames[d.platform] ?? "unknown",
      h("code", { text: d.id }),
      h("span", { class: "masked", text: maskSecret(d.token) }),
      time(d.createTime),
    ),
  );
  return h(
    "section",
    {},
    h("h2", { text: "Devices" }),
    rows.length === 0
      ? h("p", { text: "No push devices." })
      : table("Push devices", ["Platform", "Id", "Token", "Registered"], rows),
  );
}

/** A setting as text; unset means "on" in the defaults and "follow the defaults" in a category. */
const settingText = (v: boolean | undefined, unset: string) => (v === undefined ? unset : v ? "on" : "off");

/** The user's channel settings: defaults and each category, one column per channel the server offers. */
export function preferencesSection(prefs: GetPreferencesResponse): HTMLElement {
  const channels = prefs.channels.map(channelToName);
  const p = prefs.preferences;
  const line = (label: string, settings: Parameters<typeof channelSetting>[0], unset: string) =>
    row(label, ...channels.map((c) => settingText(channelSetting(settings, c), unset)));
  const categories = Object.entries(p?.categories ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const rows = [
    line("All categories (defaults)", p?.defaults, "on"),
    ...categories.map(([name, s]) => line(name, s, "inherit")),
  ];
  const quiet = p?.quietHours?.window;
  const clock = (t: { hour: number; minute: number } | undefined) =>
    `${String(t?.hour ?? 0).padStart(2, "0")}:${String(t?.minute ?? 0).padStart(2, "0")}`;
  const zone = p?.quietHours?.timezone ? ` (${p.quietHours.timezone})` : "";
  return h(
    "section",
    {},
    h("h2", { text: "Preferences" }),
    h("p", { text: "A channel the user never turned off is on; “inherit” follows the defaults row." }),
    table("Channels per category", ["Category", ...channels], rows),
    h(
      "p",
      {},
      quiet === undefined ? "No quiet hours." : `Quiet hours: ${clock(quiet.start)}–${clock(quiet.end)}${zone}`,
    ),
  );
}
