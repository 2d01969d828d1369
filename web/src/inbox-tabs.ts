import { h } from "./dom.js";
import type { InboxTab } from "./tab-counts.js";

/** A tab count as shown: Herald stops counting at 10,000. */
function countText(n: number | undefined): string {
  if (n === undefined || n <= 0) return "";
  return n >= 10_000 ? "9,999+" : n.toLocaleString();
}

/**
 * The panel's tab bar ("All 12 · Mentions 3"), the ARIA tabs pattern: one
 * tab in the Tab order (the selected one), arrows, Home and End move between
 * tabs and select them. Counts are unread notifications of each tab.
 */
export class TabBar {
  readonly #bar: HTMLElement;
  readonly #onSelect: (id: string) => void;
  #buttons = new Map<string, HTMLButtonElement>();
  #tabs: readonly InboxTab[] = [];

  constructor(bar: HTMLElement, onSelect: (id: string) => void) {
    this.#bar = bar;
    this.#onSelect = onSelect;
    bar.addEventListener("keydown", (e) => this.#onKeydown(e));
  }

  render(tabs: readonly InboxTab[], active: string, unread: (id: string) => number | undefined): void {
    if (tabs !== this.#tabs) this.#build(tabs);
    this.#bar.hidden = tabs.length === 0;
    for (const tab of tabs) {
      const button = this.#buttons.get(tab.id) as HTMLButtonElement;
      const selected = tab.id === active;
      button.setAttribute("aria-selected", String(selected));
      button.tabIndex = selected ? 0 : -1;
      const count = countText(unread(tab.id));
      const countEl = button.querySelector(".count") as HTMLElement;
      countEl.textContent = count;
      countEl.hidden = count === "";
      // Read as "Mentions 3 unread": the visible text, then what the number means.
      (button.querySelector(".sr-only") as HTMLElement).textContent = count === "" ? "" : " unread";
    }
  }

  #build(tabs: readonly InboxTab[]): void {
    this.#tabs = tabs;
    this.#buttons = new Map(
      tabs.map((tab) => {
        const button = h(
          "button",
          { class: "tab", attrs: { type: "button", role: "tab", "data-tab": tab.id } },
          h("span", { class: "label", text: tab.label }),
          h("span", { class: "count" }),
          h("span", { class: "sr-only" }),
        );
        button.addEventListener("click", () => this.#onSelect(tab.id));
        return [tab.id, button];
      }),
    );
    this.#bar.replaceChildren(...this.#buttons.values());
  }

  #onKeydown(e: KeyboardEvent): void {
    const ids = this.#tabs.map((t) => t.id);
    const at = ids.indexOf((e.target as HTMLElement).dataset.tab ?? "");
    const moves: Record<string, number> = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: ids.length - 1 };
    if (at < 0 || !(e.key in moves)) return;
    e.preventDefault();
    const id = ids[((moves[e.key] as number) + ids.length) % ids.length] as string;
    this.#buttons.get(id)?.focus();
    this.#onSelect(id);
  }
}
