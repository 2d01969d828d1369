import { Code, ConnectError } from "@connectrpc/connect";
import type { Action, Notification } from "../../gen/ts/herald/v1/notification_pb.js";
import { safeUrl, stringAttribute } from "./dom.js";
import type { FeedState } from "./feed-connection.js";
import { createHeraldClient, createRecipientClient } from "./herald-client.js";
import { InboxPush } from "./inbox-push.js";
import { InboxSession } from "./inbox-session.js";
import { InboxView } from "./inbox-view.js";
import { type InboxTab, parseTabs } from "./tab-counts.js";

const feedStatus: Partial<Record<FeedState, string>> = {
  reconnecting: "Connection lost. Reconnecting…",
  unauthorized: "Your session has expired. Reload the page to sign in again.",
};

/**
 * `<herald-inbox base-url="https://herald.example.com" token="<user token>">`:
 * a bell with the unseen count and a panel with the user's notifications,
 * kept live by Herald's Subscribe stream. Opening the panel marks everything
 * seen (the badge clears); items stay unread until opened or acted on.
 * `tabs` (a JSON array of InboxTab) shows tabs with unread counts that filter the list.
 *
 * Events (bubbling, composed): `herald-notification-click` (cancelable; cancel
 * it to route in a single-page app instead of following `action_url`),
 * `herald-action` ({ notification, action }; cancelable: cancel it to route
 * a link action yourself; Herald records the action either way),
 * `herald-unread-change` ({ unreadCount }), `herald-unseen-change`
 * ({ unseenCount }), `herald-error` ({ error }; an `Unauthenticated` one
 * means: set a fresh `token`).
 * The `connection` attribute reflects the live feed's state (see FeedState).
 * With `push-worker="/herald-push-sw.js"` (Herald's service worker, hosted on
 * the page's origin) the panel offers "Enable browser notifications" where
 * the browser and the server can; `web-push` reflects that state.
 */
export class HeraldInboxElement extends HTMLElement {
  static readonly observedAttributes = ["base-url", "token", "page-size", "idle-timeout", "push-worker", "tabs"];
  #view: InboxView | null = null;
  #session: InboxSession | null = null;
  readonly #push = new InboxPush(
    (control) => {
      this.setAttribute("web-push", control.state);
      this.#view?.renderPush(control);
    },
    (error) => this.#emit("herald-error", { error }),
  );
  #lastUnread = -1;
  #lastUnseen = -1;
  #seeOnList = false; // the panel opened before the first page came: mark seen once it is there
  /** connectedCallback ran: attributes set while upgrading arrive before it and must not start anything. */
  #connected = false;

  /** Herald's URL; defaults to this page's origin. */
  get baseUrl(): string {
    return this.getAttribute("base-url") ?? location.origin;
  }
  set baseUrl(value: string) {
    stringAttribute(this, "base-url", value);
  }
  /** The signed-in user's token, minted by the app's backend. */
  get token(): string {
    return this.getAttribute("token") ?? "";
  }
  set token(value: string) {
    stringAttribute(this, "token", value);
  }
  /** Notifications per List page (1 to 100, default 20). */
  get pageSize(): number {
    const n = Number(this.getAttribute("page-size") ?? 20);
    return Number.isInteger(n) && n >= 1 && n <= 100 ? n : 20;
  }
  /**
   * Milliseconds without any event (heartbeats included) after which the
   * stream counts as dead and is replaced; default 45000, three of Herald's
   * default heartbeat intervals. Raise it with FEED_HEARTBEAT_INTERVAL_MS.
   */
  get idleTimeout(): number {
    const n = Number(this.getAttribute("idle-timeout") ?? 45_000);
    return Number.isFinite(n) && n >= 1000 ? n : 45_000;
  }
  /**
   * URL of Herald's service worker on this page's origin (see web/README.md);
   * empty (the default) offers no browser notifications.
   */
  get pushWorker(): string {
    return this.getAttribute("push-worker") ?? "";
  }
  set pushWorker(value: string) {
    stringAttribute(this, "push-worker", value);
  }
  get unreadCount(): number {
    return this.#session?.state.unreadCount ?? 0;
  }
  /** What the badge shows: notifications not seen in the panel yet. */
  get unseenCount(): number {
    return this.#session?.state.unseenCount ?? 0;
  }

  connectedCallback(): void {
    this.#view ??= new InboxView(this.attachShadow({ mode: "open" }), {
      onToggle: () => this.toggle(),
      onOpen: (n) => void this.#open(n),
      onArchive: (n) => void this.#session?.archive(n),
      onMarkAllRead: () => void this.#session?.markAllRead(),
      onNearEnd: () => void this.#loadMore(),
      onPushToggle: () => void this.#push.toggle(),
      onSelectTab: (id) => void this.#session?.selectTab(id).then(() => this.#view?.checkNearEnd()),
      onAction: (n, action, follow) => void this.#act(n, action, follow),
      onSnooze: (n, until) => void this.#session?.snooze(n, until),
    });
    window.addEventListener("online", this.#onOnline);
    document.addEventListener("click", this.#onOutsideClick);
    this.addEventListener("keydown", this.#onKeydown);
    this.#connected = true;
    this.#restart();
  }

  disconnectedCallback(): void {
    this.#connected = false;
    window.removeEventListener("online", this.#onOnline);
    document.removeEventListener("click", this.#onOutsideClick);
    this.removeEventListener("keydown", this.#onKeydown);
    this.#stop();
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (old === value || !this.#connected) return;
    if (name === "page-size") void this.#session?.reload();
    else if (name === "push-worker") this.#startPush();
    else this.#restart();
  }

  /** Opens or closes the panel. */
  toggle(open = !this.#view?.isOpen): void {
    this.#view?.setOpen(open);
    if (!open) return;
    this.#view?.checkNearEnd();
    if (this.#session?.listed) void this.#session.markAllSeen();
    else this.#seeOnList = true;
  }

  /** The `tabs` attribute, read; a mistake is reported (naming the field) and shows no tabs. */
  #tabs(): InboxTab[] {
    try {
      return parseTabs(this.getAttribute("tabs") ?? "");
    } catch (err) {
      this.#onError("Invalid tabs attribute", new ConnectError((err as Error).message, Code.InvalidArgument));
      return [];
    }
  }

  /** Drops everything shown and starts over (a new user, a new server). */
  #restart(): void {
    this.#stop();
    if (this.token === "") return;
    this.#session = new InboxSession({
      client: createHeraldClient({ baseUrl: this.baseUrl, token: this.token }),
      pageSize: () => this.pageSize,
      tabs: this.#tabs(),
      idleTimeoutMs: this.idleTimeout,
      onChange: () => this.#render(),
      onFeedState: (state, error) => this.#onFeedState(state, error),
      onError: (what, error) => this.#onError(what, error),
      // A short page may leave the end of the list in sight: keep loading until it is not.
      onListed: () => {
        if (this.#seeOnList && this.#view?.isOpen) void this.#session?.markAllSeen();
        this.#seeOnList = false;
        requestAnimationFrame(() => this.#view?.checkNearEnd());
      },
    });
    this.#startPush();
    this.#render();
  }

  #startPush(): void {
    const client = this.token === "" ? null : createRecipientClient({ baseUrl: this.baseUrl, token: this.token });
    this.#push.start(client, this.pushWorker);
  }

  #stop(): void {
    this.#push.stop();
    if (this.#session === null) return;
    this.#session.stop();
    this.#session = null;
    this.setAttribute("connection", "stopped");
    this.#render();
  }

  async #open(n: Notification): Promise<void> {
    const click = this.#emit("herald-notification-click", { notification: n }, true);
    await this.#session?.markRead(n); // before leaving the page, which would cancel the call
    const href = safeUrl(n.actionUrl);
    if (!click.defaultPrevented && href !== null) location.assign(href);
  }

  /** An action button: Herald records it (and reads the notification), then a link is followed. */
  async #act(n: Notification, action: Action, follow: string | null): Promise<void> {
    const event = this.#emit("herald-action", { notification: n, action }, true);
    await this.#session?.interact(n, action.id); // before leaving the page, which would cancel the call
    if (follow !== null && !event.defaultPrevented) location.assign(follow);
  }

  async #loadMore(): Promise<void> {
    this.#view?.setLoadingMore(true);
    await this.#session?.loadMore();
    this.#view?.setLoadingMore(false);
  }

  #onFeedState(state: FeedState, error: unknown): void {
    this.setAttribute("connection", state);
    this.#view?.setStatus(feedStatus[state] ?? "");
    if (state === "unauthorized") this.#emit("herald-error", { error });
  }

  #onError(what: string, error: ConnectError): void {
    this.#view?.setStatus(`${what}: ${error.rawMessage}`);
    this.#emit("herald-error", { error });
  }

  #render(): void {
    const session = this.#session;
    const unread = session?.state.unreadCount ?? 0;
    const unseen = session?.state.unseenCount ?? 0;
    this.#view?.renderBadge(unseen, unread);
    this.#view?.renderTabs(session?.tabs ?? null);
    this.#view?.renderItems(session?.state.items ?? [], session?.listed ?? false);
    if (unseen !== this.#lastUnseen) {
      this.#lastUnseen = unseen;
      this.#emit("herald-unseen-change", { unseenCount: unseen });
    }
    if (unread !== this.#lastUnread) {
      this.#lastUnread = unread;
      this.#emit("herald-unread-change", { unreadCount: unread });
    }
  }

  #emit(type: string, detail: object, cancelable = false): CustomEvent {
    const event = new CustomEvent(type, { detail, bubbles: true, composed: true, cancelable });
    this.dispatchEvent(event);
    return event;
  }

  readonly #onOnline = () => this.#session?.reconnectNow();
  readonly #onOutsideClick = (e: MouseEvent) => {
    if (this.#view?.isOpen && !e.composedPath().includes(this)) this.toggle(false);
  };
  readonly #onKeydown = (e: KeyboardEvent) => {
    if (e.key === "Escape") this.toggle(false);
  };
}
