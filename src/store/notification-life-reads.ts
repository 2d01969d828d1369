import type { Channel } from "../domain/notification.js";
import type { Queryable } from "./database.js";

/** What a Send recorded about a notification besides its content. */
export interface NotificationOrigin {
  /** W3C trace id of the Send (32 hex digits); null when it was not traced. */
  traceId: string | null;
  /** The template the Send named; empty for none. */
  templateKey: string;
  /** The API key that sent it; null when none was recorded. */
  senderKeyId: string | null;
}

/** The content one delivery carries, as the Send (or workflow step) rendered it for the channel's sender. */
export interface StoredContent {
  channel: Channel;
  target: string;
  /** The parts by name; null for channels that send the notification itself (in-app, webhooks). */
  content: Record<string, unknown> | null;
}

/** GetNotificationLife's reads beyond GetNotification's. */
export const notificationLifeReads = {
  /** Null when there is no such notification. */
  async origin(q: Queryable, id: string): Promise<NotificationOrigin | null> {
    const [row] = await q.rows<{ trace_id: string | null; template_key: string | null; sender_key_id: string | null }>(
      "SELECT trace_id, template_key, sender_key_id FROM notifications WHERE id = $1",
      [id],
    );
    if (row === undefined) return null;
    return { traceId: row.trace_id, templateKey: row.template_key ?? "", senderKeyId: row.sender_key_id };
  },

  /** The stored content of each of the notification's deliveries. */
  async contents(q: Queryable, notificationId: string): Promise<StoredContent[]> {
    return q.rows<StoredContent>(
      `SELECT channel, target, content FROM deliveries WHERE notification_id = $1 ORDER BY channel, target`,
      [notificationId],
    );
  },
};
