import { timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { ChangeKind, type FeedEvent } from "../../gen/ts/herald/v1/feed_pb.js";
import type { Notification } from "../../gen/ts/herald/v1/notification_pb.js";
import { type FeedConnection, type FeedState, startFeedConnection } from "./feed-connection.js";
import type { HeraldClient } from "./herald-client.js";
import { InboxState } from "./inbox-state.js";

export interface InboxSessionOptions {
  client: HeraldClient;
  /** Notifications per List page, read at each call. */
  pageSize: () => number;
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

  constructor(options: InboxSessionOptions) {
    this.#options = options;
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

  stop(): void {
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
    // The first `synced` starts the list: Subscribe first, then List, so nothing
    // created in between is missed (duplicates are merged by id).
    if (result === "reload" || (event.kind.case === "synced" && !this.#listed)) void this.reload();
    this.#options.onChange();
  }

  async #list(mode: "replace" | "append"): Promise<void> {
    const generation = mode === "replace" ? ++this.#generation : this.#generation;
    const pageToken = mode === "append" ? this.state.nextPageToken : "";
    const pageSize = this.#options.pageSize();
    this.#listing++;
    try {
      const page = await this.#options.client.list({ pageSize, pageToken }, { signal: this.#abort.signal });
      if (generation !== this.#generation) return;
      if (mode === "replace") this.state.replace(page);
      else this.state.append(page);
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
      const res = await this.#options.client.markRead(request, { signal: this.#abort.signal });
      this.state.unreadCount = res.unreadCount;
    } catch (err) {
      this.#fail(err, what);
      void this.reload(); // undoes the optimistic change
    }
    this.#options.onChange();
  }

  #fail(err: unknown, what: string): void {
    const error = ConnectError.from(err);
    if (this.#abort.signal.aborted || error.code === Code.Canceled) return;
    this.#options.onError(what, error);
  }
}
