import type { FeedEvent } from "../domain/feed-event.js";
import type { Notification } from "../domain/notification.js";
import type { Tx } from "../store/database.js";
import type { FeedStore } from "../store/feed-store.js";
import type { NotificationStore } from "../store/notification-store.js";

export interface InAppChannelOptions {
  feeds: FeedStore;
  notifications: NotificationStore;
  /** Sends committed feed events to every process's live streams. */
  publish: (events: FeedEvent[]) => void;
}

type Placement = { seq: number; unreadCount: number };

/**
 * The in-app channel: putting a notification in the inbox is a Postgres write
 * (it cannot fail on its own the way an SMTP server can), followed, after
 * commit, by a live event to the user's open streams. Send writes straight into
 * the inbox (store/send-store.ts); this moves scheduled notifications in when
 * they come due, and publishes.
 */
export function createInAppChannel(options: InAppChannelOptions) {
  const { feeds, notifications } = options;

  /** Gives each notification the next seq of its user's feed; each adds one unread. */
  async function place(tx: Tx, items: Notification[]): Promise<Map<string, Placement>> {
    const perUser = new Map<string, { events: number; unread: number }>();
    for (const n of items) {
      const c = perUser.get(n.userId) ?? { events: 0, unread: 0 };
      c.events += 1;
      c.unread += 1;
      perUser.set(n.userId, c);
    }
    const heads = await feeds.advance(tx, perUser);
    // A user's k new notifications take the k seqs up to the new head, in order.
    const cursor = new Map<string, Placement>();
    for (const [userId, head] of heads) {
      const k = perUser.get(userId)?.events ?? 0;
      cursor.set(userId, { seq: head.seq - k, unreadCount: head.unreadCount - k });
    }
    const placed = new Map<string, Placement>();
    for (const n of items) {
      const c = cursor.get(n.userId) as Placement;
      c.seq += 1;
      c.unreadCount += 1;
      placed.set(n.id, { ...c });
    }
    return placed;
  }

  async function record(
    tx: Tx,
    items: Notification[],
    placed: Map<string, Placement>,
    time: Date,
  ): Promise<FeedEvent[]> {
    const events: FeedEvent[] = items.map((n) => ({
      kind: "created",
      userId: n.userId,
      ...(placed.get(n.id) as Placement),
      time,
      notification: n,
    }));
    await feeds.appendCreated(
      tx,
      items.map((n) => ({ userId: n.userId, notificationId: n.id, ...(placed.get(n.id) as Placement) })),
    );
    return events;
  }

  return {
    /** Moves stored notifications (scheduled ones now due) into their users' inboxes. */
    async moveIntoInbox(tx: Tx, items: Notification[], time: Date): Promise<FeedEvent[]> {
      if (items.length === 0) return [];
      const placed = await place(tx, items);
      await notifications.setSeqs(tx, new Map([...placed].map(([id, p]) => [id, p.seq])));
      return record(tx, items, placed, time);
    },

    publish: options.publish,
  };
}

export type InAppChannel = ReturnType<typeof createInAppChannel>;
