import { type Timestamp, timestampMs } from "@bufbuild/protobuf/wkt";
import { ChangeKind, type FeedEvent, type NotificationsChanged } from "../../gen/ts/herald/v1/feed_pb.js";
import type { Notification } from "../../gen/ts/herald/v1/notification_pb.js";
import type { ListResponse } from "../../gen/ts/herald/v1/notification_service_pb.js";

/** What `apply` asks of its caller: nothing, or to fetch the first page again. */
export type ApplyResult = "applied" | "reload";

type Page = Pick<ListResponse, "notifications" | "nextPageToken" | "unreadCount">;

/**
 * The inbox as the element shows it: notifications newest first (the order
 * List and the feed deliver them in), the unread count, and where the next
 * page starts. Plain data and no DOM, so every rule about merging List pages
 * with live events sits in one place.
 */
export class InboxState {
  #items: Notification[] = [];
  #byId = new Map<string, Notification>();
  unreadCount = 0;
  nextPageToken = "";

  get items(): readonly Notification[] {
    return this.#items;
  }

  /** Starts over from a first page of List. */
  replace(page: Page): void {
    this.#items = [];
    this.#byId.clear();
    this.append(page);
  }

  /** Adds the next page below what is shown; notifications already shown are skipped. */
  append(page: Page): void {
    for (const n of page.notifications) {
      if (this.#byId.has(n.id)) continue;
      this.#byId.set(n.id, n);
      this.#items.push(n);
    }
    this.nextPageToken = page.nextPageToken;
    this.unreadCount = page.unreadCount;
  }

  /**
   * Applies one feed event. Events are idempotent here (a notification already
   * shown is not added twice, marking read twice changes nothing), so a replay
   * that overlaps what List returned is harmless.
   */
  apply(event: FeedEvent): ApplyResult {
    this.unreadCount = event.unreadCount;
    switch (event.kind.case) {
      case "created": {
        const n = event.kind.value.notification;
        if (n !== undefined && !this.#byId.has(n.id)) {
          this.#byId.set(n.id, n);
          this.#items.unshift(n);
        }
        return "applied";
      }
      case "changed":
        return this.#change(event.kind.value, event.eventTime);
      case "synced":
        return event.kind.value.reset ? "reload" : "applied";
      default:
        return "applied";
    }
  }

  /** Marks notifications read or unread here, before the server confirms (the feed repeats it). */
  setRead(ids: readonly string[], read: boolean, time: Timestamp | undefined): void {
    for (const id of ids) {
      const n = this.#byId.get(id);
      if (n === undefined || (n.readTime !== undefined) === read) continue;
      n.readTime = read ? time : undefined;
      this.unreadCount = Math.max(0, this.unreadCount + (read ? -1 : 1));
    }
  }

  /** Removes archived notifications from the list. */
  remove(ids: readonly string[]): void {
    const gone = new Set(ids);
    this.#items = this.#items.filter((n) => !gone.has(n.id));
    for (const id of ids) this.#byId.delete(id);
  }

  #change(change: NotificationsChanged, time: Timestamp | undefined): ApplyResult {
    // `all` covers what the user had received when it happened; a notification
    // that arrived later (List can return it before this event) is not part of it.
    const before = time === undefined ? Number.POSITIVE_INFINITY : timestampMs(time);
    const ids = change.all
      ? this.#items.filter((n) => n.sendTime === undefined || timestampMs(n.sendTime) <= before).map((n) => n.id)
      : change.notificationIds;
    switch (change.kind) {
      case ChangeKind.READ:
      case ChangeKind.UNREAD:
        for (const id of ids) {
          const n = this.#byId.get(id);
          if (n !== undefined) n.readTime = change.kind === ChangeKind.READ ? (n.readTime ?? time) : undefined;
        }
        return "applied";
      case ChangeKind.ARCHIVED:
        this.remove(ids);
        return "applied";
      case ChangeKind.UNARCHIVED:
        // The event names ids only; their content comes from List.
        return "reload";
      default:
        return "applied";
    }
  }
}
