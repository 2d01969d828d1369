import { ResourceExhaustedError } from "../domain/errors.js";
import type { NewTopic, Topic, TopicChange } from "../domain/topic.js";
import type { Queryable } from "./database.js";

interface TopicRow {
  key: string;
  name: string;
  description: string;
  self_service: boolean;
  subscriber_count: number;
  created_at: Date;
  updated_at: Date;
}

export const toTopic = (r: TopicRow): Topic => ({
  key: r.key,
  name: r.name,
  description: r.description,
  selfService: r.self_service,
  subscriberCount: r.subscriber_count,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const columns = "t.key, t.name, t.description, t.self_service, t.subscriber_count, t.created_at, t.updated_at";

/**
 * Topics themselves: key, name, description, self_service; the only writer of
 * those columns of `topics` (topic-member-store.ts writes `subscriber_count`
 * and the memberships). Keys compare in byte order (the "C" collation).
 */
export const topicStore = {
  /**
   * Creates a topic; null when the key is taken. `tx` must be a transaction:
   * creators are serialised by an advisory lock so that `maxTopics`
   * (TOPICS_MAX) is exact. Fails with ResourceExhaustedError at the limit.
   */
  async create(tx: Queryable, topic: NewTopic, limits: { maxTopics: number }): Promise<Topic | null> {
    await tx.rows("SELECT pg_advisory_xact_lock(hashtext('herald.topics'))");
    const [count] = await tx.rows<{ n: number }>("SELECT count(*)::int AS n FROM topics");
    if ((count?.n ?? 0) >= limits.maxTopics) {
      throw new ResourceExhaustedError(
        `there are already ${limits.maxTopics} topics (TOPICS_MAX); delete one or raise the limit`,
      );
    }
    const [row] = await tx.rows<TopicRow>(
      `INSERT INTO topics AS t (key, name, description, self_service) VALUES ($1, $2, $3, $4)
       ON CONFLICT (key) DO NOTHING RETURNING ${columns}`,
      [topic.key, topic.name, topic.description, topic.selfService],
    );
    return row === undefined ? null : toTopic(row);
  },

  async get(q: Queryable, key: string): Promise<Topic | null> {
    const [row] = await q.rows<TopicRow>(`SELECT ${columns} FROM topics t WHERE t.key = $1`, [key]);
    return row === undefined ? null : toTopic(row);
  },

  /** Changes the fields `change` sets; null when there is no such topic. */
  async update(q: Queryable, key: string, change: TopicChange): Promise<Topic | null> {
    const [row] = await q.rows<TopicRow>(
      `UPDATE topics AS t SET name = coalesce($2, name), description = coalesce($3, description),
         self_service = coalesce($4, self_service), updated_at = now()
       WHERE key = $1 RETURNING ${columns}`,
      [key, change.name ?? null, change.description ?? null, change.selfService ?? null],
    );
    return row === undefined ? null : toTopic(row);
  },

  /**
   * Topics by key after `after` ("" from the first), at most `limit`; with
   * `selfServiceOnly`, only those users may join.
   */
  async list(q: Queryable, page: { after: string; limit: number; selfServiceOnly: boolean }): Promise<Topic[]> {
    const rows = await q.rows<TopicRow>(
      `SELECT ${columns} FROM topics t
       WHERE t.key > $1 AND (NOT $2::boolean OR t.self_service)
       ORDER BY t.key LIMIT $3`,
      [page.after, page.selfServiceOnly, page.limit],
    );
    return rows.map(toTopic);
  },

  /** The topics `userId` is in, by key after `after` ("" from the first), at most `limit`. */
  async ofUser(q: Queryable, userId: string, page: { after: string; limit: number }): Promise<Topic[]> {
    const rows = await q.rows<TopicRow>(
      `SELECT ${columns} FROM topic_subscribers s JOIN topics t ON t.key = s.topic_key
       WHERE s.user_id = $1 AND s.topic_key > $2
       ORDER BY s.topic_key LIMIT $3`,
      [userId, page.after, page.limit],
    );
    return rows.map(toTopic);
  },

  /**
   * Deletes a topic and its memberships; false when there was none. `tx` must
   * be a transaction. The memberships are first recorded as removals (see
   * topic-member-store.ts), so fan-outs started before the delete still reach
   * them: fan-outs already started are not affected.
   */
  async delete(tx: Queryable, key: string): Promise<boolean> {
    // The row lock first: no membership change of this topic runs meanwhile.
    const [locked] = await tx.rows("SELECT 1 AS one FROM topics WHERE key = $1 FOR UPDATE", [key]);
    if (locked === undefined) return false;
    await tx.exec(
      `INSERT INTO topic_subscriber_removals (topic_key, user_id, added_seq, removed_seq)
       SELECT topic_key, user_id, added_seq, (SELECT nextval('topic_subscriber_seq'))
       FROM topic_subscribers WHERE topic_key = $1`,
      [key],
    );
    // ON DELETE CASCADE removes the memberships.
    return (await tx.exec("DELETE FROM topics WHERE key = $1", [key])) > 0;
  },
};

export type TopicStore = typeof topicStore;
