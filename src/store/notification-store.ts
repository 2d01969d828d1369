import type { Notification } from "../domain/notification.js";
import { type Database, execute, queryRows, type Tx } from "./database.js";
import { type NotificationRow, notificationColumns, toNotification } from "./rows.js";

/** Which page of a user's notifications to read. */
export interface ListQuery {
  userId: string;
  /** Return notifications with seq below this; null for the first page. */
  beforeSeq: number | null;
  limit: number;
  unreadOnly: boolean;
  category: string;
  archived: boolean;
}

/** Notifications and their deliveries. */
export class NotificationStore {
  constructor(private readonly db: Database) {}

  /** Places notifications that were waiting (scheduled) into their users' inboxes. */
  async setSeqs(tx: Tx, seqs: Map<string, number>): Promise<void> {
    if (seqs.size === 0) return;
    await execute(
      this.db,
      `UPDATE notifications n SET seq = t.seq
       FROM unnest($1::uuid[], $2::bigint[]) AS t(id, seq) WHERE n.id = t.id`,
      [[...seqs.keys()], [...seqs.values()]],
      tx,
    );
  }

  async get(id: string): Promise<Notification | null> {
    const [row] = await queryRows<NotificationRow>(
      this.db,
      `SELECT ${notificationColumns} FROM notifications n WHERE n.id = $1`,
      [id],
      undefined,
    );
    return row ? toNotification(row) : null;
  }

  /** Which API key sent a notification (null: none recorded); null if there is no such notification. */
  async origin(id: string): Promise<{ senderKeyId: string | null } | null> {
    const [row] = await queryRows<{ sender_key_id: string | null }>(
      this.db,
      "SELECT sender_key_id FROM notifications WHERE id = $1",
      [id],
      undefined,
    );
    return row ? { senderKeyId: row.sender_key_id } : null;
  }

  /** Notifications by id, in the order of `ids`; missing ones are skipped. */
  async getMany(ids: string[]): Promise<Notification[]> {
    const rows = await queryRows<NotificationRow>(
      this.db,
      `SELECT ${notificationColumns} FROM notifications n WHERE n.id = ANY($1::uuid[])`,
      [ids],
      undefined,
    );
    const byId = new Map(rows.map((r) => [r.id, toNotification(r)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /**
   * One page of a user's inbox (or archive), newest first, plus one extra row
   * to tell whether another page follows. Each filter combination has a partial
   * index (see the initial migration), so a page costs one short index scan.
   */
  async list(q: ListQuery): Promise<Array<{ notification: Notification; seq: number }>> {
    const where = [
      "n.user_id = $1",
      "n.seq IS NOT NULL",
      q.archived ? "n.archived_at IS NOT NULL" : "n.archived_at IS NULL",
    ];
    const bind: unknown[] = [q.userId];
    if (q.unreadOnly) where.push("n.read_at IS NULL");
    if (q.category !== "") {
      bind.push(q.category);
      where.push(`n.category = $${bind.length}`);
    }
    if (q.beforeSeq !== null) {
      bind.push(q.beforeSeq);
      where.push(`n.seq < $${bind.length}`);
    }
    bind.push(q.limit + 1);
    const rows = await queryRows<NotificationRow & { seq: number }>(
      this.db,
      `SELECT ${notificationColumns}, n.seq FROM notifications n
       WHERE ${where.join(" AND ")}
       ORDER BY n.seq DESC LIMIT $${bind.length}`,
      bind,
      undefined,
    );
    return rows.map((r) => ({ notification: toNotification(r), seq: r.seq }));
  }
}
