import { timestampFromDate, timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { ChangeKind, type FeedEvent } from "../../gen/ts/herald/v1/feed_pb.js";
import type { Notification } from "../../gen/ts/herald/v1/notification_pb.js";
import { type FeedConnection, type FeedState, startFeedConnection } from "./feed-connection.js";
import type { HeraldClient } from "./herald-client.js";
import { InboxState } from "./inbox-state.js";
import { type InboxTab, InboxTabs, type TabRequest } from "./tab-counts.js";

export interface InboxSessionOptions {
  client: HeraldClient;
  /** Notifications per List page, read at each call. */
  pageSize: () => number;
  /** The tabs to count (and filter by, see selectTab); none for a plain list. */
  tabs?: readonly InboxTab[];
  /** Reconnect after this long without any event (see FeedConnectionOptions). */
  idleTimeoutMs?: number;
  /** What is shown changed (list, read states, unread count). */
  onChange: () => void;
  /** The live feed's state changed. */
  onFeedState: (state: FeedState, error: unknown) => void;
  /** A call failed; `what` says which, for the user. */
  onError: (what: string, error: ConnectError) => void;
  /** A List page was merged (the element checks whether the end of the list is still in sight). */
  onListed?: () => void;
}

/**
 * One user's inbox on one server, without any DOM: the live feed, List pages,
 * and the user's actions, applied to the InboxState at once (optimistically)
 * and then confirmed by MarkRead's unread count and the feed's echo.
 */
export class InboxSession {
  readonly state = new InboxState();
  #options: InboxSessionOptions;
  #feed: FeedConnection;
  #abort = new AbortController();
  /** List calls in flight; feed events wait for them (see #onEvent). */
  #listing = 0;
  #pending: FeedEvent[] = [];
  #listed = false;
  /** Bumped by every reload, so an older page's "load more" answer is dropped. */
  #generation = 0;
  /** The tabs, the selected one and their counts. */
  readonly tabs: InboxTabs;

  constructor(options: InboxSessionOptions) {
    this.#options = options;
    this.tabs = new InboxTabs(options.tabs ?? [], (tabs) => this.#countTabs(tabs), options.onChange);
    this.#feed = startFeedConnection({
      client: options.client,
      idleTimeoutMs: options.idleTimeoutMs,
      // A stopped session's stream may still report on its way out.
      onEvent: (event) => this.#abort.signal.aborted || this.#onEvent(event),
      onState: (state, error) => this.#abort.signal.aborted || options.onFeedState(state, error),
    });
  }

  /** The first page has been loaded. */
  get listed(): boolean {
    return this.#listed;
  }

  /** Lists the tab's notifications (List with its category and tags). */
  async selectTab(id: string): Promise<void> {
    if (this.tabs.select(id)) await this.reload();
  }

  stop(): void {
    this.tabs.stop();
    this.#abort.abort();
    this.#feed.stop();
  }

  /** Skips the feed's backoff wait (the browser came back online). */
  reconnectNow(): void {
    this.#feed.reconnectNow();
  }

  /** Loads the first page again, replacing the list. */
  reload(): Promise<void> {
    return this.#list("replace");
  }

  /** Loads the next page, unless one is loading or there is none. */
  async loadMore(): Promise<void> {
    if (this.#listing > 0 || this.state.nextPageToken === "") return;
    await this.#list("append");
  }

  async markRead(n: Notification): Promise<void> {
    if (n.readTime !== undefined) return;
    this.state.setRead([n.id], true, timestampNow());
    await this.#mark({ notificationIds: [n.id] }, "Could not mark as read");
  }

  async archive(n: Notification): Promise<void> {
    this.state.setRead([n.id], true, timestampNow());
    this.state.remove([n.id]);
    await this.#mark({ notificationIds: [n.id], change: ChangeKind.ARCHIVED }, "Could not archive");
  }

  /** The panel opened: everything in the inbox is seen (the badge clears); nothing is read. */
  async markAllSeen(): Promise<void> {
    if (this.state.unseenCount === 0) return;
    this.state.setAllSeen(timestampNow());
    await this.#mark({ all: true, change: ChangeKind.SEEN }, "Could not mark as seen");
  }

  /** Takes one of the notification's named actions (or reports a link's click): Herald records it and reads it. */
  async interact(n: Notification, actionId: string): Promise<void> {
    this.state.setRead([n.id], true, timestampNow());
    this.state.setInteraction(n.id, actionId, timestampNow());
    this.#options.onChange();
    try {
      const res = await this.#options.client.interactNotification(
        { id: n.id, actionId },
        { signal: this.#abort.signal },
      );
      if (res.notification !== undefined) this.state.replaceNotification(res.notification);
      this.#setCounts(res);
    } catch (err) {
      this.#fail(err, "Could not record the action");
      void this.reload();
    }
    this.#options.onChange();
  }

  /** Takes the notification out of the inbox until `until`; it comes back at the top. */
  async snooze(n: Notification, until: Date): Promise<void> {
    this.state.remove([n.id]);
    this.#options.onChange();
    try {
      const request = { notificationIds: [n.id], snoozeUntil: timestampFromDate(until) };
      this.#setCounts(await this.#options.client.snoozeNotifications(request, { signal: this.#abort.signal }));
    } catch (err) {
      this.#fail(err, "Could not snooze");
      void this.reload();
    }
    this.#options.onChange();
  }

  async markAllRead(): Promise<void> {
    this.state.setRead(
      this.state.items.map((n) => n.id),
      true,
      timestampNow(),
    );
    await this.#mark({ all: true }, "Could not mark all as read");
  }

  #onEvent(event: FeedEvent): void {
    // While a List call is out, its answer may predate this event: apply the
    // event after the page, so the page cannot undo it.
    if (this.#listing > 0) {
      this.#pending.push(event);
      return;
    }
    const result = this.state.apply(event);
    if (event.kind.case !== "heartbeat" && event.kind.case !== "synced") this.tabs.refresh();
    // The first `synced` starts the list: Subscribe first, then List, so nothing
    // created in between is missed (duplicates are merged by id).
    if (result === "reload" || (event.kind.case === "synced" && !this.#listed)) void this.reload();
    this.#options.onChange();
  }

  async #list(mode: "replace" | "append"): Promise<void> {
    const generation = mode === "replace" ? ++this.#generation : this.#generation;
    const pageToken = mode === "append" ? this.state.nextPageToken : "";
    const pageSize = this.#options.pageSize();
    const filter = this.tabs.filter();
    this.#listing++;
    try {
      const request = { pageSize, pageToken, ...filter, tabs: mode === "replace" ? this.tabs.request() : [] };
      const page = await this.#options.client.list(request, { signal: this.#abort.signal });
      if (generation !== this.#generation) return;
      this.state.filter = filter;
      if (mode === "replace") this.state.replace(page);
      else this.state.append(page);
      if (mode === "replace") this.tabs.set(page.tabCounts);
      this.#listed = true;
    } catch (err) {
      this.#fail(err, "Could not load notifications");
    } finally {
      this.#listing--;
      if (this.#listing === 0) for (const event of this.#pending.splice(0)) this.#onEvent(event);
      this.#options.onChange();
      if (this.#listing === 0) this.#options.onListed?.();
    }
  }

  async #mark(request: { notificationIds?: string[]; all?: boolean; change?: ChangeKind }, what: string) {
    this.#options.onChange();
    try {
      this.#setCounts(await this.#options.client.markRead(request, { signal: this.#abort.signal }));
    } catch (err) {
      this.#fail(err, what);
      void this.reload(); // undoes the optimistic change
    }
    this.#options.onChange();
  }

  /** Takes the authoritative counts from an answer; the tabs' follow. */
  #setCounts(res: { unreadCount: number; unseenCount: number }): void {
    this.state.unreadCount = res.unreadCount;
    this.state.unseenCount = res.unseenCount;
    this.tabs.refresh();
  }

  /** The tabs' counts alone: List of one notification, whatever the filters. */
  async #countTabs(tabs: TabRequest[]) {
    try {
      return (await this.#options.client.list({ pageSize: 1, tabs }, { signal: this.#abort.signal })).tabCounts;
    } catch (err) {
      this.#fail(err, "Could not count notifications");
      throw err;
    }
  }

  #fail(err: unknown, what: string): void {
    const error = ConnectError.from(err);
    if (this.#abort.signal.aborted || error.code === Code.Canceled) return;
    this.#options.onError(what, error);
  }
}
