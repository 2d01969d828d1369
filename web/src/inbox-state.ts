import { create } from "@bufbuild/protobuf";
import { type Timestamp, timestampMs } from "@bufbuild/protobuf/wkt";
import { ChangeKind, type FeedEvent, type NotificationsChanged } from "../../gen/ts/herald/v1/feed_pb.js";
import { type Notification, NotificationInteractionSchema } from "../../gen/ts/herald/v1/notification_pb.js";
import type { ListResponse } from "../../gen/ts/herald/v1/notification_service_pb.js";

/** What `apply` asks of its caller: nothing, or to fetch the first page again. */
export type ApplyResult = "applied" | "reload";

type Page = Pick<ListResponse, "notifications" | "nextPageToken" | "unreadCount" | "unseenCount">;

/** Which notifications the list shows (a tab's category and tags; empty shows the whole inbox). */
export interface InboxFilter {
  category?: string;
  tags?: readonly string[];
}

/** True when the notification belongs in a list filtered this way (List's rule: the category, and any one tag). */
export function matchesFilter(n: Notification, filter: InboxFilter): boolean {
  if (filter.category && n.category !== filter.category) return false;
  const tags = filter.tags ?? [];
  return tags.length === 0 || tags.some((t) => n.tags.includes(t));
}

/**
 * The inbox as the element shows it: notifications newest first (the order
 * List and the feed deliver them in), the unread and unseen counts, and where
 * the next page starts. Plain data and no DOM, so every rule about merging
 * List pages with live events sits in one place.
 */
export class InboxState {
  #items: Notification[] = [];
  #byId = new Map<string, Notification>();
  unreadCount = 0;
  /** What the bell badge shows: notifications in the inbox the user has not seen in a list yet. */
  unseenCount = 0;
  nextPageToken = "";
  /** Live notifications outside the filter are counted by the server but not listed here. */
  filter: InboxFilter = {};

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
    this.unseenCount = page.unseenCount;
  }

  /**
   * Applies one feed event. Events are idempotent here (a notification already
   * shown is not added twice, marking read twice changes nothing), so a replay
   * that overlaps what List returned is harmless.
   */
  apply(event: FeedEvent): ApplyResult {
    this.unreadCount = event.unreadCount;
    this.unseenCount = event.unseenCount;
    const kind = event.kind;
    switch (kind.case) {
      case "created":
        if (kind.value.notification !== undefined) this.#addOnTop(kind.value.notification, false);
        return "applied";
      case "returned":
        // Back from a snooze at a new feed position: the top, even if a page still held it.
        if (kind.value.notification !== undefined) this.#addOnTop(kind.value.notification, true);
        return "applied";
      case "updated":
        if (kind.value.notification !== undefined) this.replaceNotification(kind.value.notification);
        return "applied";
      case "interacted":
        this.setInteraction(kind.value.notificationId, kind.value.actionId, event.eventTime);
        return "applied";
      case "changed":
        return this.#change(kind.value, event.eventTime);
      case "synced":
        return kind.value.reset ? "reload" : "applied";
      default:
        return "applied";
    }
  }

  /** Replaces a notification held here with a newer version of it (an update, an action's answer). */
  replaceNotification(n: Notification): void {
    const held = this.#byId.get(n.id);
    if (held === undefined || held.version > n.version) return;
    this.#byId.set(n.id, n);
    this.#items = this.#items.map((m) => (m.id === n.id ? n : m));
  }

  /** Records an action taken: it also reads and sees the notification. */
  setInteraction(id: string, actionId: string, time: Timestamp | undefined): void {
    const n = this.#byId.get(id);
    if (n === undefined) return;
    n.interaction = create(NotificationInteractionSchema, { actionId, time });
    n.readTime ??= time;
    n.seenTime ??= time;
  }

  /** Marks notifications read or unread here, before the server confirms (the feed repeats it). */
  setRead(ids: readonly string[], read: boolean, time: Timestamp | undefined): void {
    for (const id of ids) {
      const n = this.#byId.get(id);
      if (n === undefined || (n.readTime !== undefined) === read) continue;
      n.readTime = read ? time : undefined;
      n.seenTime ??= time;
      this.unreadCount = Math.max(0, this.unreadCount + (read ? -1 : 1));
    }
  }

  /** Marks everything listed seen (the panel opened), before the server confirms. */
  setAllSeen(time: Timestamp | undefined): void {
    for (const n of this.#items) n.seenTime ??= time;
    this.unseenCount = 0;
  }

  /** Removes notifications from the list (archived, snoozed, retracted, expired). */
  remove(ids: readonly string[]): void {
    const gone = new Set(ids);
    this.#items = this.#items.filter((n) => !gone.has(n.id));
    for (const id of ids) this.#byId.delete(id);
  }

  #addOnTop(n: Notification, move: boolean): void {
    if (!matchesFilter(n, this.filter)) return;
    if (this.#byId.has(n.id)) {
      if (!move) return;
      this.remove([n.id]);
    }
    this.#byId.set(n.id, n);
    this.#items.unshift(n);
  }

  #change(change: NotificationsChanged, time: Timestamp | undefined): ApplyResult {
    // `all` covers what the user had received when it happened; a notification
    // that arrived later (List can return it before this event) is not part of it.
    const before = time === undefined ? Number.POSITIVE_INFINITY : timestampMs(time);
    const ids = change.all
      ? this.#items.filter((n) => n.sendTime === undefined || timestampMs(n.sendTime) <= before).map((n) => n.id)
      : change.notificationIds;
    const held = ids.flatMap((id) => this.#byId.get(id) ?? []);
    switch (change.kind) {
      case ChangeKind.READ:
        for (const n of held) {
          n.readTime ??= time;
          n.seenTime ??= time;
        }
        return "applied";
      case ChangeKind.UNREAD:
        for (const n of held) n.readTime = undefined;
        return "applied";
      case ChangeKind.SEEN:
        for (const n of held) n.seenTime ??= time;
        return "applied";
      case ChangeKind.ARCHIVED:
      case ChangeKind.SNOOZED:
      case ChangeKind.RETRACTED:
      case ChangeKind.EXPIRED:
        this.remove(ids);
        return "applied";
      case ChangeKind.UNARCHIVED:
      case ChangeKind.UNSNOOZED:
        // Back at their old place; the event names ids only, their content comes from List.
        return "reload";
      default:
        return "applied";
    }
  }
}
