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
 * and the memberships). Keys compare in byte order (the "C" collation) and are
 * unique per tenant: every function works inside one tenant.
 */
export const topicStore = {
  /** The members of these topics of the tenant, added up (a member of two counts twice). */
  async subscriberTotal(q: Queryable, tenantId: string, keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const [row] = await q.rows<{ n: string }>(
      "SELECT coalesce(sum(subscriber_count), 0)::text AS n FROM topics WHERE tenant_id = $1 AND key = ANY($2::text[])",
      [tenantId, keys],
    );
    return Number(row?.n ?? 0);
  },

  /**
   * Creates a topic; null when the key is taken. `tx` must be a transaction:
   * creators are serialised by an advisory lock so that `maxTopics`
   * (TOPICS_MAX) is exact. Fails with ResourceExhaustedError at the limit.
   */
  async create(tx: Queryable, tenantId: string, topic: NewTopic, limits: { maxTopics: number }): Promise<Topic | null> {
    // One lock per tenant: tenants create topics side by side, each against its own limit.
    await tx.rows("SELECT pg_advisory_xact_lock(hashtext('herald.topics/' || $1))", [tenantId]);
    const [count] = await tx.rows<{ n: number }>("SELECT count(*)::int AS n FROM topics WHERE tenant_id = $1", [
      tenantId,
    ]);
    if ((count?.n ?? 0) >= limits.maxTopics) {
      throw new ResourceExhaustedError(
        `this tenant already has ${limits.maxTopics} topics (TOPICS_MAX); delete one or raise the limit`,
      );
    }
    const [row] = await tx.rows<TopicRow>(
      `INSERT INTO topics AS t (tenant_id, key, name, description, self_service) VALUES ($5, $1, $2, $3, $4)
       ON CONFLICT (tenant_id, key) DO NOTHING RETURNING ${columns}`,
      [topic.key, topic.name, topic.description, topic.selfService, tenantId],
    );
    return row === undefined ? null : toTopic(row);
  },

  async get(q: Queryable, tenantId: string, key: string): Promise<Topic | null> {
    const [row] = await q.rows<TopicRow>(`SELECT ${columns} FROM topics t WHERE t.tenant_id = $2 AND t.key = $1`, [
      key,
      tenantId,
    ]);
    return row === undefined ? null : toTopic(row);
  },

  /** Changes the fields `change` sets; null when there is no such topic. */
  async update(q: Queryable, tenantId: string, key: string, change: TopicChange): Promise<Topic | null> {
    const [row] = await q.rows<TopicRow>(
      `UPDATE topics AS t SET name = coalesce($2, name), description = coalesce($3, description),
         self_service = coalesce($4, self_service), updated_at = now()
       WHERE tenant_id = $5 AND key = $1 RETURNING ${columns}`,
      [key, change.name ?? null, change.description ?? null, change.selfService ?? null, tenantId],
    );
    return row === undefined ? null : toTopic(row);
  },

  /**
   * Topics by key after `after` ("" from the first), at most `limit`; with
   * `selfServiceOnly`, only those users may join.
   */
  async list(
    q: Queryable,
    tenantId: string,
    page: { after: string; limit: number; selfServiceOnly: boolean },
  ): Promise<Topic[]> {
    const rows = await q.rows<TopicRow>(
      `SELECT ${columns} FROM topics t
       WHERE t.tenant_id = $4 AND t.key > $1 AND (NOT $2::boolean OR t.self_service)
       ORDER BY t.key LIMIT $3`,
      [page.after, page.selfServiceOnly, page.limit, tenantId],
    );
    return rows.map(toTopic);
  },

  /** The topics `userId` is in, by key after `after` ("" from the first), at most `limit`. */
  async ofUser(
    q: Queryable,
    tenantId: string,
    userId: string,
    page: { after: string; limit: number },
  ): Promise<Topic[]> {
    const rows = await q.rows<TopicRow>(
      `SELECT ${columns} FROM topic_subscribers s JOIN topics t ON t.tenant_id = s.tenant_id AND t.key = s.topic_key
       WHERE s.tenant_id = $4 AND s.user_id = $1 AND s.topic_key > $2
       ORDER BY s.topic_key LIMIT $3`,
      [userId, page.after, page.limit, tenantId],
    );
    return rows.map(toTopic);
  },

  /**
   * Deletes a topic and its memberships; false when there was none. `tx` must
   * be a transaction. The memberships are first recorded as removals (see
   * topic-member-store.ts), so fan-outs started before the delete still reach
   * them: fan-outs already started are not affected.
   */
  async delete(tx: Queryable, tenantId: string, key: string): Promise<boolean> {
    // The row lock first: no membership change of this topic runs meanwhile.
    const [locked] = await tx.rows("SELECT 1 AS one FROM topics WHERE tenant_id = $2 AND key = $1 FOR UPDATE", [
      key,
      tenantId,
    ]);
    if (locked === undefined) return false;
    await tx.exec(
      `INSERT INTO topic_subscriber_removals (tenant_id, topic_key, user_id, added_seq, removed_seq)
       SELECT tenant_id, topic_key, user_id, added_seq, (SELECT nextval('topic_subscriber_seq'))
       FROM topic_subscribers WHERE tenant_id = $2 AND topic_key = $1`,
      [key, tenantId],
    );
    // ON DELETE CASCADE removes the memberships.
    return (await tx.exec("DELETE FROM topics WHERE tenant_id = $2 AND key = $1", [key, tenantId])) > 0;
  },
};

export type TopicStore = typeof topicStore;
