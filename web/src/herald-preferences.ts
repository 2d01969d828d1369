import { ConnectError } from "@connectrpc/connect";
import type { Preferences } from "../../gen/ts/herald/v1/preferences_pb.js";
import { adoptStyles, h, stringAttribute } from "./dom.js";
import { createHeraldClient, type HeraldClient } from "./herald-client.js";
import {
  type ChannelColumn,
  categoryRows,
  cell,
  channelColumns,
  isCategory,
  togglePatch,
} from "./preferences-model.js";
import { preferencesStyles } from "./preferences-styles.js";
import { createQuietHoursSection, type QuietHoursSection } from "./quiet-hours-section.js";

/** What UpdatePreferences takes: only the settings it names change. */
type Patch = Parameters<HeraldClient["updatePreferences"]>[0];

// Static markup only: no data is ever put into it.
const skeleton = `
<section part="panel">
  <h2>Notification preferences</h2>
  <p class="hint">Choose where each kind of notification reaches you. Categories without a setting of their
    own follow “All categories”.</p>
  <table><thead></thead><tbody></tbody></table>
  <form class="add"><input name="category" placeholder="order.shipped" aria-label="Category to add"
    autocomplete="off"><button type="submit">Add category</button></form>
  <p class="status" role="status"></p>
</section>`;

/**
 * `<herald-preferences base-url="..." token="<user token>">`: the signed-in
 * user's channel settings as a table, categories by channels. Each toggle
 * saves at once with an UpdatePreferences patch naming only that cell, so
 * another device's changes to other cells are never overwritten. Below it,
 * the user's quiet hours (quiet-hours-section.ts), saved with their own button.
 * The `state` attribute is `loading`, `ready`, `saving` or `error`.
 */
export class HeraldPreferencesElement extends HTMLElement {
  static readonly observedAttributes = ["base-url", "token"];
  #root: ShadowRoot | null = null;
  #client: HeraldClient | null = null;
  #prefs: Preferences | undefined;
  /** The channels the server offers (GetPreferences says), as columns. */
  #columns: ChannelColumn[] = [];
  #added = new Set<string>();
  #quiet: QuietHoursSection | null = null;
  /** Saves run one after another, so responses arrive in the order the clicks did. */
  #saving: Promise<void> = Promise.resolve();
  #unsaved = 0;
  /** connectedCallback ran: attributes set while upgrading arrive before it. */
  #connected = false;

  get baseUrl(): string {
    return this.getAttribute("base-url") ?? location.origin;
  }
  set baseUrl(value: string) {
    stringAttribute(this, "base-url", value);
  }
  get token(): string {
    return this.getAttribute("token") ?? "";
  }
  set token(value: string) {
    stringAttribute(this, "token", value);
  }

  connectedCallback(): void {
    if (this.#root === null) {
      this.#root = this.attachShadow({ mode: "open" });
      adoptStyles(this.#root, preferencesStyles);
      const template = document.createElement("template");
      template.innerHTML = skeleton;
      this.#root.append(template.content);
      this.#q("form").addEventListener("submit", (e) => this.#onAdd(e));
      this.#quiet = createQuietHoursSection(
        (patch) => void this.#save(patch),
        (text) => this.#setState(this.getAttribute("state") ?? "ready", text),
      );
      this.#q(".status").before(this.#quiet.element);
    }
    this.#connected = true;
    void this.#load();
  }

  disconnectedCallback(): void {
    this.#connected = false;
  }

  attributeChangedCallback(_name: string, old: string | null, value: string | null): void {
    if (old !== value && this.#connected) void this.#load();
  }

  async #load(): Promise<void> {
    if (this.token === "") return;
    const client = createHeraldClient({ baseUrl: this.baseUrl, token: this.token });
    this.#client = client;
    this.#setState("loading", "");
    try {
      const res = await client.getPreferences({});
      if (client !== this.#client) return;
      this.#prefs = res.preferences;
      this.#columns = channelColumns(res.channels);
      this.#q("thead").replaceChildren(
        h(
          "tr",
          {},
          h("th", { text: "Category", attrs: { scope: "col" } }),
          ...this.#columns.map(columnHeader),
          h("th"),
        ),
      );
      this.#setState("ready", "");
    } catch (err) {
      this.#setState("error", `Could not load preferences: ${ConnectError.from(err).rawMessage}`);
    }
    this.#render();
  }

  #save(patch: Patch): Promise<void> {
    const client = this.#client;
    if (client === null) return Promise.resolve();
    this.#setState("saving", "Saving…");
    this.#unsaved++;
    this.#saving = this.#saving.then(async () => {
      try {
        const res = await client.updatePreferences(patch);
        this.#prefs = res.preferences;
        if (this.#unsaved === 1) this.#setState("ready", "Saved.");
      } catch (err) {
        this.#setState("error", `Could not save: ${ConnectError.from(err).rawMessage}`);
      }
      this.#unsaved--;
      this.#render();
    });
    return this.#saving;
  }

  #onAdd(e: SubmitEvent): void {
    e.preventDefault();
    const input = this.#q<HTMLInputElement>("form input");
    const category = input.value.trim().toLowerCase();
    if (!isCategory(category)) {
      this.#setState(
        this.getAttribute("state") ?? "ready",
        "A category is lowercase words joined by dots, like order.shipped.",
      );
      return;
    }
    input.value = "";
    this.#added.add(category);
    this.#render();
  }

  #render(): void {
    this.#quiet?.show(this.#prefs?.quietHours);
    const rows = [null, ...categoryRows(this.#prefs, this.#added)].map((category) => this.#row(category));
    this.#q("tbody").replaceChildren(...rows);
  }

  #row(category: string | null): HTMLTableRowElement {
    const name = category ?? "All categories";
    const cells = this.#columns.map((channel) => {
      const { on, inherited } = cell(this.#prefs, category, channel);
      const box = h("input", {
        class: inherited ? "inherited" : "",
        attrs: { type: "checkbox", "data-channel": channel.id, "aria-label": `${channel.label} for ${name}` },
      });
      box.checked = on;
      if (inherited) box.title = "Follows “All categories”";
      box.addEventListener("change", () => this.#onToggle(box, category, channel));
      return h("td", {}, box);
    });
    const own = category !== null && this.#prefs?.categories[category] !== undefined;
    const reset = own
      ? h("button", { class: "reset", text: "Reset", attrs: { type: "button", title: "Follow “All categories”" } })
      : null;
    reset?.addEventListener("click", () => {
      this.#added.delete(category as string);
      void this.#save({ resetCategories: [category as string] });
    });
    const head = h("th", { text: name, attrs: { scope: "row" } });
    return h(
      "tr",
      { attrs: { "data-category": category ?? "" } },
      head,
      ...cells,
      h("td", {}, ...(reset ? [reset] : [])),
    );
  }

  #onToggle(box: HTMLInputElement, category: string | null, channel: ChannelColumn): void {
    box.disabled = true;
    void this.#save(togglePatch(category, channel, box.checked));
  }

  #setState(state: string, message: string): void {
    this.setAttribute("state", state);
    const status = this.#q<HTMLElement>(".status");
    status.textContent = message;
    status.classList.toggle("error", state === "error");
  }

  #q<T extends Element = HTMLElement>(selector: string): T {
    return (this.#root as ShadowRoot).querySelector(selector) as T;
  }
}

function columnHeader(channel: ChannelColumn): HTMLTableCellElement {
  return h("th", { text: channel.label, attrs: { scope: "col" } });
}
