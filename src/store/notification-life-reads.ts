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

/** GetNotificationLife's reads beyond GetNotification's, within one tenant. */
export const notificationLifeReads = {
  /** Null when the tenant has no such notification (another tenant's id included). */
  async origin(q: Queryable, tenantId: string, id: string): Promise<NotificationOrigin | null> {
    const [row] = await q.rows<{ trace_id: string | null; template_key: string | null; sender_key_id: string | null }>(
      "SELECT trace_id, template_key, sender_key_id FROM notifications WHERE id = $1 AND tenant_id = $2",
      [id, tenantId],
    );
    if (row === undefined) return null;
    return { traceId: row.trace_id, templateKey: row.template_key ?? "", senderKeyId: row.sender_key_id };
  },

  /** The stored content of each of the notification's deliveries. */
  async contents(q: Queryable, tenantId: string, notificationId: string): Promise<StoredContent[]> {
    return q.rows<StoredContent>(
      `SELECT channel, target, content FROM deliveries WHERE notification_id = $1 AND tenant_id = $2
       ORDER BY channel, target`,
      [notificationId, tenantId],
    );
  },

  /** Which of these delivery ids are the tenant's (the others answer as unknown ids do). */
  async ownDeliveryIds(q: Queryable, tenantId: string, deliveryIds: readonly string[]): Promise<Set<string>> {
    if (deliveryIds.length === 0) return new Set();
    const rows = await q.rows<{ id: string }>(
      "SELECT id FROM deliveries WHERE id = ANY($1::uuid[]) AND tenant_id = $2",
      [deliveryIds, tenantId],
    );
    return new Set(rows.map((r) => r.id));
  },
};
