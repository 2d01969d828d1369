import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Notification } from "../../gen/ts/herald/v1/notification_pb.js";
import { adoptStyles, h, timeAgo } from "./dom.js";
import type { PushControl } from "./inbox-push.js";
import { inboxStyles } from "./inbox-styles.js";

/** What the view reports back to its element. */
export interface InboxViewHandlers {
  onToggle(): void;
  onOpen(notification: Notification): void;
  onArchive(notification: Notification): void;
  onMarkAllRead(): void;
  /** The list was scrolled (almost) to its end. */
  onNearEnd(): void;
  /** "Enable (or Disable) browser notifications" was clicked. */
  onPushToggle(): void;
}

// Static markup only: no data is ever put into it.
const skeleton = `
<button class="bell" part="bell" type="button" aria-haspopup="dialog" aria-expanded="false">
  <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"
    stroke-linejoin="round" aria-hidden="true"><path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9"/>
    <path d="M13.73 21a2 2 0 0 1-3.46 0"/></svg>
  <span class="badge" part="badge" hidden></span>
</button>
<section class="panel" part="panel" role="dialog" aria-label="Notifications" hidden>
  <header><h2>Notifications</h2><button class="mark-all" type="button">Mark all read</button></header>
  <p class="status" role="status" hidden></p>
  <ul class="list"></ul>
  <p class="empty" hidden>You are all caught up.</p>
  <p class="more" hidden>Loading…</p>
  <footer class="push" hidden>
    <button class="push-toggle" type="button"></button>
    <p class="push-message" role="status" hidden></p>
  </footer>
</section>`;

const pushLabels: Record<PushControl["state"], string> = {
  unavailable: "",
  off: "Enable browser notifications",
  on: "Disable browser notifications",
  busy: "Working…",
};

const archiveIcon = `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"
  stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><rect x="3" y="4" width="18" height="4" rx="1"/>
  <path d="M5 8v11a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V8M10 12h4"/></svg>`;

/**
 * The DOM of <herald-inbox>: a bell with a badge and a panel with the list.
 * Items are keyed by notification id and updated in place, so a live event
 * does not rebuild the list or lose the scroll position.
 */
export class InboxView {
  readonly #root: ShadowRoot;
  readonly #handlers: InboxViewHandlers;
  readonly #items = new Map<string, { el: HTMLLIElement; notification: Notification }>();
  readonly #q = <T extends Element>(selector: string) => this.#root.querySelector(selector) as T;

  constructor(root: ShadowRoot, handlers: InboxViewHandlers) {
    this.#root = root;
    this.#handlers = handlers;
    adoptStyles(root, inboxStyles);
    const template = document.createElement("template");
    template.innerHTML = skeleton;
    root.append(template.content);
    this.#q(".bell").addEventListener("click", () => handlers.onToggle());
    this.#q(".mark-all").addEventListener("click", () => handlers.onMarkAllRead());
    this.#q(".push-toggle").addEventListener("click", () => handlers.onPushToggle());
    this.list.addEventListener("scroll", () => this.checkNearEnd(), { passive: true });
  }

  get list(): HTMLUListElement {
    return this.#q<HTMLUListElement>(".list");
  }

  get isOpen(): boolean {
    return !this.#q<HTMLElement>(".panel").hidden;
  }

  setOpen(open: boolean): void {
    this.#q<HTMLElement>(".panel").hidden = !open;
    this.#q(".bell").setAttribute("aria-expanded", String(open));
  }

  renderBadge(unreadCount: number): void {
    const badge = this.#q<HTMLElement>(".badge");
    badge.hidden = unreadCount <= 0;
    badge.textContent = unreadCount > 99 ? "99+" : String(unreadCount);
    const label = unreadCount === 1 ? "1 unread notification" : `${unreadCount} unread notifications`;
    this.#q(".bell").setAttribute("aria-label", `Notifications, ${label}`);
    this.#q<HTMLButtonElement>(".mark-all").disabled = unreadCount <= 0;
  }

  /** Status line, such as "Reconnecting…"; empty hides it. */
  setStatus(text: string): void {
    const status = this.#q<HTMLElement>(".status");
    status.hidden = text === "";
    status.textContent = text;
  }

  /** The browser notifications button (hidden when unavailable) and its message. */
  renderPush({ state, message }: PushControl): void {
    this.#q<HTMLElement>(".push").hidden = state === "unavailable";
    const button = this.#q<HTMLButtonElement>(".push-toggle");
    button.textContent = pushLabels[state];
    button.disabled = state === "busy";
    const text = this.#q<HTMLElement>(".push-message");
    text.hidden = message === "";
    text.textContent = message;
  }

  setLoadingMore(loading: boolean): void {
    this.#q<HTMLElement>(".more").hidden = !loading;
  }

  renderItems(notifications: readonly Notification[], ready: boolean): void {
    const list = this.list;
    const keep = new Set<string>();
    let next = list.firstElementChild;
    for (const n of notifications) {
      keep.add(n.id);
      const el = this.#item(n);
      if (el === next) next = next.nextElementSibling;
      else list.insertBefore(el, next);
    }
    for (const [id, { el }] of this.#items) {
      if (keep.has(id)) continue;
      el.remove();
      this.#items.delete(id);
    }
    this.#q<HTMLElement>(".empty").hidden = !ready || notifications.length > 0;
  }

  /** Asks for the next page when the end of the list is in sight (only while the panel is open). */
  checkNearEnd(): void {
    const list = this.list;
    if (this.isOpen && list.scrollTop + list.clientHeight >= list.scrollHeight - 48) this.#handlers.onNearEnd();
  }

  #item(n: Notification): HTMLLIElement {
    let entry = this.#items.get(n.id);
    if (entry === undefined) {
      const open = h("button", { class: "open", attrs: { type: "button" } });
      const archive = h("button", {
        class: "archive",
        attrs: { type: "button", "aria-label": "Archive", title: "Archive" },
      });
      archive.innerHTML = archiveIcon; // static icon, no data
      const el = h("li", { class: "item", attrs: { part: "item", "data-id": n.id } }, open, archive);
      const stored = { el, notification: n };
      open.addEventListener("click", () => this.#handlers.onOpen(stored.notification));
      archive.addEventListener("click", () => this.#handlers.onArchive(stored.notification));
      entry = stored;
      this.#items.set(n.id, entry);
    }
    entry.notification = n;
    fill(entry.el, n);
    return entry.el;
  }
}

/** (Re)writes an item's content from its notification, as text. */
function fill(el: HTMLLIElement, n: Notification): void {
  const unread = n.readTime === undefined;
  el.classList.toggle("unread", unread);
  el.classList.toggle("read", !unread);
  const when = n.sendTime ?? n.createTime;
  const meta = [n.category, when === undefined ? "" : timeAgo(timestampMs(when))].filter((s) => s !== "").join(" · ");
  const text = h(
    "span",
    { class: "text" },
    h("span", { class: "title", text: n.title }),
    h("span", { class: "body", text: n.body }),
    h("span", { class: "meta", text: meta }),
  );
  const open = el.querySelector(".open") as HTMLButtonElement;
  const dot = h("span", { class: "dot" }, h("span", { class: "sr-only", text: unread ? "Unread: " : "" }));
  open.replaceChildren(dot, text);
}
