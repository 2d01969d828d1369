import type { Notification } from "../../gen/ts/herald/v1/notification_pb.js";
import { adoptStyles } from "./dom.js";
import { InboxItem, type InboxItemHandlers } from "./inbox-item.js";
import type { PushControl } from "./inbox-push.js";
import { inboxStyles } from "./inbox-styles.js";
import { TabBar } from "./inbox-tabs.js";
import type { InboxTab, InboxTabs } from "./tab-counts.js";

/** What the view reports back to its element. */
export interface InboxViewHandlers extends InboxItemHandlers {
  onToggle(): void;
  onMarkAllRead(): void;
  onSelectTab(id: string): void;
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
  <div class="header"><h2>Notifications</h2><button class="mark-all" type="button">Mark all read</button></div>
  <div class="tabs" role="tablist" aria-label="Filter notifications" hidden></div>
  <p class="status" role="status" hidden></p>
  <ul class="list" aria-label="Notifications"></ul>
  <p class="empty" hidden>You are all caught up.</p>
  <p class="more" hidden>Loading…</p>
  <footer class="push" hidden>
    <button class="push-toggle" type="button"></button>
    <p class="push-message" role="status" hidden></p>
  </footer>
</section>`;

/** The same empty list each time, so the tab bar is not rebuilt on every render. */
const noTabs: readonly InboxTab[] = [];

const pushLabels: Record<PushControl["state"], string> = {
  unavailable: "",
  off: "Enable browser notifications",
  on: "Disable browser notifications",
  busy: "Working…",
};

/**
 * The DOM of <herald-inbox>: a bell with a badge and a panel with the list.
 * Items are keyed by notification id and updated in place, so a live event
 * does not rebuild the list or lose the scroll position.
 */
export class InboxView {
  readonly #root: ShadowRoot;
  readonly #handlers: InboxViewHandlers;
  readonly #items = new Map<string, InboxItem>();
  readonly #tabBar: TabBar;
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
    this.#tabBar = new TabBar(this.#q(".tabs"), (id) => handlers.onSelectTab(id));
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

  /** The badge counts unseen notifications (new since the panel was last opened); "Mark all read" needs unread ones. */
  renderBadge(unseenCount: number, unreadCount: number): void {
    const badge = this.#q<HTMLElement>(".badge");
    badge.hidden = unseenCount <= 0;
    badge.textContent = unseenCount > 99 ? "99+" : String(unseenCount);
    const label = unseenCount === 1 ? "1 new notification" : `${unseenCount} new notifications`;
    this.#q(".bell").setAttribute("aria-label", `Notifications, ${label}`);
    this.#q<HTMLButtonElement>(".mark-all").disabled = unreadCount <= 0;
  }

  /** The tab bar; null (no session) shows none. */
  renderTabs(tabs: InboxTabs | null): void {
    this.#tabBar.render(tabs?.list ?? noTabs, tabs?.active ?? "", (id) => tabs?.unread(id));
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
      // Focus inside a leaving item (its snooze menu, say) would fall to the page: keep it in the panel.
      if (el.contains(this.#root.activeElement)) this.#q<HTMLElement>(".bell").focus();
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
    let item = this.#items.get(n.id);
    if (item === undefined) {
      item = new InboxItem(n, this.#handlers);
      this.#items.set(n.id, item);
    } else {
      item.update(n);
    }
    return item.el;
  }
}
