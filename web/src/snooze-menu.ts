import { h } from "./dom.js";
import { snoozeChoices } from "./snooze-choices.js";

let menus = 0;

/**
 * A notification's "Snooze" button and its menu (the ARIA menu button
 * pattern): the button opens it and focuses the first entry; arrows, Home and
 * End move; Enter or a click picks; Escape closes and returns to the button;
 * leaving it (Tab, a click elsewhere) closes it. The entries are computed
 * when it opens, so "tomorrow" is always tomorrow.
 */
export class SnoozeMenu {
  readonly button: HTMLButtonElement;
  readonly menu: HTMLElement;
  readonly #onPick: (until: Date) => void;

  constructor(onPick: (until: Date) => void) {
    this.#onPick = onPick;
    const id = `herald-snooze-${++menus}`;
    this.button = h("button", {
      class: "snooze",
      attrs: {
        type: "button",
        "aria-label": "Snooze",
        title: "Snooze",
        "aria-haspopup": "menu",
        "aria-expanded": "false",
        "aria-controls": id,
      },
    });
    this.button.innerHTML = clockIcon; // static icon, no data
    this.menu = h("div", { class: "snooze-menu", attrs: { id, role: "menu", "aria-label": "Snooze until" } });
    this.menu.hidden = true;
    this.button.addEventListener("click", () => (this.menu.hidden ? this.open() : this.close(false)));
    this.menu.addEventListener("keydown", (e) => this.#onKeydown(e));
    this.menu.addEventListener("focusout", (e) => {
      const to = e.relatedTarget as Node | null;
      if (to !== this.button && !this.menu.contains(to)) this.close(false);
    });
  }

  open(): void {
    const entries = snoozeChoices().map(({ label, until }) => {
      const entry = h("button", { class: "snooze-choice", text: label, attrs: { type: "button", role: "menuitem" } });
      entry.tabIndex = -1;
      entry.addEventListener("click", () => {
        this.close(true);
        this.#onPick(until);
      });
      return entry;
    });
    this.menu.replaceChildren(h("span", { class: "snooze-title", text: "Snooze until" }), ...entries);
    this.menu.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    entries[0]?.focus();
  }

  close(returnFocus: boolean): void {
    if (this.menu.hidden) return;
    this.menu.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    if (returnFocus && this.button.isConnected) this.button.focus();
  }

  #onKeydown(e: KeyboardEvent): void {
    const entries = [...this.menu.querySelectorAll<HTMLButtonElement>("[role=menuitem]")];
    const at = entries.indexOf(e.target as HTMLButtonElement);
    const moves: Record<string, number> = {
      ArrowDown: at + 1,
      ArrowUp: at - 1,
      Home: 0,
      End: entries.length - 1,
    };
    if (e.key === "Escape") {
      e.stopPropagation(); // closes the menu, not the whole panel
      this.close(true);
    } else if (e.key === "Tab") {
      this.close(false);
    } else if (e.key in moves) {
      e.preventDefault();
      const next = ((moves[e.key] as number) + entries.length) % entries.length;
      entries[next]?.focus();
    }
  }
}

const clockIcon = `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"
  stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><circle cx="12" cy="12" r="9"/>
  <path d="M12 7v5l3 2"/></svg>`;
