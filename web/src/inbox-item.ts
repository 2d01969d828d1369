import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Action, Notification } from "../../gen/ts/herald/v1/notification_pb.js";
import { h, safeUrl, timeAgo } from "./dom.js";
import { SnoozeMenu } from "./snooze-menu.js";

/** What an item reports back. */
export interface InboxItemHandlers {
  onOpen(notification: Notification): void;
  onArchive(notification: Notification): void;
  /**
   * An action button was taken. `follow` is the link to go to afterwards
   * (a plain click on a link action); null for named actions, and for links
   * the browser opens itself (a new tab with Ctrl or the middle button).
   */
  onAction(notification: Notification, action: Action, follow: string | null): void;
  onSnooze(notification: Notification, until: Date): void;
}

/**
 * One notification in the list: the text (a button that opens it), its
 * snooze and archive buttons, its action buttons, which action was taken,
 * and the snooze menu. Content is set as text only; links only if safeUrl
 * allows them.
 */
export class InboxItem {
  readonly el: HTMLLIElement;
  notification: Notification;
  readonly #handlers: InboxItemHandlers;
  readonly #open = h("button", { class: "open", attrs: { type: "button" } });
  readonly #actions = h("div", { class: "actions", attrs: { role: "group", "aria-label": "Actions" } });
  readonly #taken = h("p", { class: "taken" });
  #actionsKey = "";

  constructor(n: Notification, handlers: InboxItemHandlers) {
    this.notification = n;
    this.#handlers = handlers;
    const archive = h("button", {
      class: "archive",
      attrs: { type: "button", "aria-label": "Archive", title: "Archive" },
    });
    archive.innerHTML = archiveIcon; // static icon, no data
    const snooze = new SnoozeMenu((until) => handlers.onSnooze(this.notification, until));
    const row = h("div", { class: "row" }, this.#open, snooze.button, archive);
    this.el = h("li", { class: "item", attrs: { part: "item", "data-id": n.id } }, row, this.#actions, this.#taken);
    this.el.append(snooze.menu);
    this.#open.addEventListener("click", () => handlers.onOpen(this.notification));
    archive.addEventListener("click", () => handlers.onArchive(this.notification));
    this.update(n);
  }

  /** (Re)writes the item from its notification. */
  update(n: Notification): void {
    this.notification = n;
    const unread = n.readTime === undefined;
    this.el.classList.toggle("unread", unread);
    this.el.classList.toggle("read", !unread);
    const when = n.sendTime ?? n.createTime;
    const meta = [n.category, when === undefined ? "" : timeAgo(timestampMs(when))].filter((s) => s !== "");
    const text = h(
      "span",
      { class: "text" },
      h("span", { class: "title", text: n.title }),
      h("span", { class: "body", text: n.body }),
      h("span", { class: "meta", text: meta.join(" · ") }),
    );
    const dot = h("span", { class: "dot" }, h("span", { class: "sr-only", text: unread ? "Unread: " : "" }));
    this.#open.replaceChildren(dot, text);
    this.#renderActions(n);
  }

  #renderActions(n: Notification): void {
    // Rebuilt only when the actions change, so a focused button keeps its focus.
    const key = JSON.stringify(n.actions.map((a) => [a.id, a.label, a.url]));
    if (key !== this.#actionsKey) {
      this.#actionsKey = key;
      this.#actions.replaceChildren(...n.actions.flatMap((a) => this.#actionButton(a) ?? []));
    }
    this.#actions.hidden = this.#actions.childElementCount === 0;
    const taken = n.interaction?.actionId ?? "";
    for (const el of this.#actions.children) {
      const chosen = (el as HTMLElement).dataset.action === taken;
      el.classList.toggle("chosen", chosen);
      if (el.tagName === "BUTTON") el.setAttribute("aria-pressed", String(chosen));
    }
    const label = n.actions.find((a) => a.id === taken)?.label ?? taken;
    this.#taken.textContent = taken === "" ? "" : `You chose: ${label}`;
    this.#taken.hidden = taken === "";
  }

  #actionButton(action: Action): HTMLElement | null {
    if (action.url === "") {
      const button = h("button", { class: "action", text: action.label, attrs: { type: "button" } });
      button.dataset.action = action.id;
      button.addEventListener("click", () => this.#handlers.onAction(this.notification, action, null));
      return button;
    }
    const href = safeUrl(action.url);
    if (href === null) return null; // Herald refuses such URLs; never show one anyway
    const link = h("a", { class: "action link", text: action.label, attrs: { href } });
    link.dataset.action = action.id;
    const onClick = (e: MouseEvent) => {
      if (e.button > 1) return; // a context menu, not a click
      const newTab = e.ctrlKey || e.metaKey || e.shiftKey || e.button === 1;
      // A plain click waits for Herald to record it: leaving the page would cancel the call.
      if (!newTab) e.preventDefault();
      this.#handlers.onAction(this.notification, action, newTab ? null : href);
    };
    link.addEventListener("click", onClick);
    link.addEventListener("auxclick", onClick); // the middle button
    return link;
  }
}

const archiveIcon = `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"
  stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><rect x="3" y="4" width="18" height="4" rx="1"/>
  <path d="M5 8v11a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V8M10 12h4"/></svg>`;
