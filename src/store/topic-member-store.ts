import { ResourceExhaustedError } from "../domain/errors.js";
import type { TopicSubscriber } from "../domain/topic.js";
import type { Queryable } from "./database.js";

/**
 * A point in the history of memberships (a value of `topic_subscriber_seq`).
 * Read at a fan-out's start, it makes every later read of the fan-out see the
 * memberships as they were then: members added after it are left out, members
 * removed after it are still in (from `topic_subscriber_removals`, kept for
 * TOPIC_REMOVALS_RETENTION_HOURS). Changes committing while it is taken may
 * fall on either side, each consistently.
 */
export type MembershipSnapshot = number;

/** Reads without a snapshot: the members of now. */
const now: MembershipSnapshot = Number.MAX_SAFE_INTEGER;

/**
 * A fan-out's chunk ($1 topic keys, $2 after this user id, $3 limit, $4
 * snapshot, $5 the tenant): per topic, at most $3 current members added by the snapshot and
 * $3 removed after it, each read along an index in user id order; then the
 * union, distinct, first $3.
 */
export const chunkQuery = `SELECT DISTINCT m.user_id FROM unnest($1::text[]) AS t(key)
  CROSS JOIN LATERAL (
    (SELECT s.user_id FROM topic_subscribers s
     WHERE s.tenant_id = $5 AND s.topic_key = t.key AND s.user_id > $2 AND s.added_seq <= $4
     ORDER BY s.user_id LIMIT $3)
    UNION ALL
    (SELECT r.user_id FROM topic_subscriber_removals r
     WHERE r.tenant_id = $5 AND r.topic_key = t.key AND r.user_id > $2 AND r.added_seq <= $4 AND r.removed_seq > $4
     ORDER BY r.user_id LIMIT $3)
  ) m
  ORDER BY m.user_id LIMIT $3`;

/** What a membership change did, and the topic's size after it. */
export interface MembershipChange {
  changed: number;
  subscriberCount: number;
}

/**
 * Takes the topic's row lock until the transaction ends: every membership
 * change of a topic runs one at a time, so `subscriber_count` and the
 * TOPIC_MAX_SUBSCRIBERS check are exact. Locks are always taken topic row
 * first, then memberships (erasure takes several topics' in key order), so
 * writers never deadlock. False when there is no such topic.
 */
async function lockTopic(tx: Queryable, tenantId: string, key: string): Promise<boolean> {
  const rows = await tx.rows("SELECT 1 AS one FROM topics WHERE tenant_id = $2 AND key = $1 FOR NO KEY UPDATE", [
    key,
    tenantId,
  ]);
  return rows.length > 0;
}

/**
 * Memberships of topics: the only writer of `topic_subscribers`,
 * `topic_subscriber_removals` and `topics.subscriber_count`. Writers take a
 * transaction; each is one statement whatever the number of users.
 */
export const topicMemberStore = {
  /**
   * Adds users (members already are not counted); null when there is no such
   * topic. Fails with ResourceExhaustedError, to roll the transaction back
   * whole, when the topic would pass `maxSubscribers`.
   */
  async add(
    tx: Queryable,
    tenantId: string,
    topicKey: string,
    userIds: readonly string[],
    limits: { maxSubscribers: number },
  ): Promise<MembershipChange | null> {
    if (!(await lockTopic(tx, tenantId, topicKey))) return null;
    const [row] = await tx.rows<{ subscriber_count: number; changed: number }>(
      `WITH added AS (
         INSERT INTO topic_subscribers (tenant_id, topic_key, user_id)
         SELECT $3, $1, u FROM unnest($2::text[]) AS u ORDER BY u
         ON CONFLICT DO NOTHING RETURNING 1
       )
       UPDATE topics SET subscriber_count = subscriber_count + (SELECT count(*) FROM added)
       WHERE tenant_id = $3 AND key = $1 RETURNING subscriber_count, (SELECT count(*) FROM added)::int AS changed`,
      [topicKey, userIds, tenantId],
    );
    const change = { changed: row?.changed ?? 0, subscriberCount: row?.subscriber_count ?? 0 };
    if (change.subscriberCount > limits.maxSubscribers) {
      throw new ResourceExhaustedError(
        `user_ids: topic "${topicKey}" would have ${change.subscriberCount} subscribers, more than ` +
          `TOPIC_MAX_SUBSCRIBERS (${limits.maxSubscribers}); nothing was added`,
      );
    }
    return change;
  },

  /**
   * Removes users (non-members are not counted), recording each removal for
   * fan-outs started before it; null when there is no such topic.
   */
  async remove(
    tx: Queryable,
    tenantId: string,
    topicKey: string,
    userIds: readonly string[],
  ): Promise<MembershipChange | null> {
    if (!(await lockTopic(tx, tenantId, topicKey))) return null;
    const [row] = await tx.rows<{ subscriber_count: number; changed: number }>(
      `WITH gone AS (
         DELETE FROM topic_subscribers WHERE tenant_id = $3 AND topic_key = $1 AND user_id = ANY($2::text[])
         RETURNING user_id, added_seq
       ), logged AS (
         INSERT INTO topic_subscriber_removals (tenant_id, topic_key, user_id, added_seq, removed_seq)
         SELECT $3, $1, user_id, added_seq, (SELECT nextval('topic_subscriber_seq')) FROM gone
       )
       UPDATE topics SET subscriber_count = subscriber_count - (SELECT count(*) FROM gone)
       WHERE tenant_id = $3 AND key = $1 RETURNING subscriber_count, (SELECT count(*) FROM gone)::int AS changed`,
      [topicKey, userIds, tenantId],
    );
    return { changed: row?.changed ?? 0, subscriberCount: row?.subscriber_count ?? 0 };
  },

  /** A topic's members in user id order after `after` ("" from the first), at most `limit`. */
  async list(
    q: Queryable,
    tenantId: string,
    topicKey: string,
    after: string,
    limit: number,
  ): Promise<TopicSubscriber[]> {
    const rows = await q.rows<{ user_id: string; created_at: Date }>(
      `SELECT user_id, created_at FROM topic_subscribers
       WHERE tenant_id = $4 AND topic_key = $1 AND user_id > $2 ORDER BY user_id LIMIT $3`,
      [topicKey, after, limit, tenantId],
    );
    return rows.map((r) => ({ userId: r.user_id, createdAt: r.created_at }));
  },

  /** A snapshot of every topic's membership (of every tenant) as of now: one sequence read, nothing copied. */
  async snapshot(q: Queryable): Promise<MembershipSnapshot> {
    const [row] = await q.rows<{ seq: number }>("SELECT nextval('topic_subscriber_seq') AS seq");
    return (row as { seq: number }).seq;
  },

  /**
   * A fan-out's chunk: the distinct users in any of the tenant's `topicKeys` whose id sorts
   * after `afterUserId` ("" from the first), in user id order, at most
   * `limit`; as of `snapshot` when given. Each topic contributes at most
   * `limit` ids read from its primary key from `afterUserId` on, so a chunk
   * costs the same at the start and at the end of a topic of millions.
   */
  async subscribersAfter(
    q: Queryable,
    tenantId: string,
    topicKeys: readonly string[],
    afterUserId: string,
    limit: number,
    snapshot: MembershipSnapshot = now,
  ): Promise<string[]> {
    const rows = await q.rows<{ user_id: string }>(chunkQuery, [topicKeys, afterUserId, limit, snapshot, tenantId]);
    return rows.map((r) => r.user_id);
  },

  /**
   * Erasure: takes the tenant's user out of every topic of the tenant (counts kept exact) and forgets
   * their past memberships, so no fan-out reaches them any more. `tx` must be
   * a transaction. Returns how many memberships went.
   */
  async eraseUser(tx: Queryable, tenantId: string, userId: string): Promise<number> {
    let left = 0;
    // Each round locks the user's topics (in key order, as every writer
    // does), then removes only their memberships in those topics: a topic
    // joined meanwhile is caught by the next round, never deleted unlocked.
    for (let round = 0; round < 10; round++) {
      const locked = await tx.rows<{ key: string }>(
        `SELECT key FROM topics
         WHERE tenant_id = $2 AND key IN (SELECT topic_key FROM topic_subscribers WHERE tenant_id = $2 AND user_id = $1)
         ORDER BY key FOR NO KEY UPDATE`,
        [userId, tenantId],
      );
      if (locked.length === 0) break;
      left += await tx.exec(
        `WITH gone AS (
           DELETE FROM topic_subscribers WHERE tenant_id = $3 AND user_id = $1 AND topic_key = ANY($2::text[])
           RETURNING topic_key
         )
         UPDATE topics t SET subscriber_count = t.subscriber_count - g.n
         FROM (SELECT topic_key, count(*) AS n FROM gone GROUP BY topic_key) g
         WHERE t.tenant_id = $3 AND t.key = g.topic_key`,
        [userId, locked.map((r) => r.key), tenantId],
      );
    }
    await tx.exec("DELETE FROM topic_subscriber_removals WHERE tenant_id = $2 AND user_id = $1", [userId, tenantId]);
    return left;
  },

  /** Forgets removals made before `before` (of every tenant), at most `limit` of them; returns how many. */
  async pruneRemovals(q: Queryable, before: Date, limit: number): Promise<number> {
    return q.exec(
      `DELETE FROM topic_subscriber_removals WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM topic_subscriber_removals WHERE removed_at < $1 LIMIT $2))`,
      [before, limit],
    );
  },
};

export type TopicMemberStore = typeof topicMemberStore;
