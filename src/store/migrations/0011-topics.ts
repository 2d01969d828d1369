import type { Migration } from "../migrator.js";

/**
 * Topics (TopicService): named audiences a Send can address.
 * - `topics.subscriber_count` is kept exact by the writers of
 *   `topic_subscribers`, in the transaction of each change, under the topic
 *   row's lock (store/topic-member-store.ts).
 * - `topic_subscribers`: one row per member. Its primary key (topic_key,
 *   user_id) is what a fan-out reads in user_id order, by keyset; the index
 *   (user_id, topic_key) serves a user's topics and erasure. `added_seq`
 *   (from `topic_subscriber_seq`) orders additions, so a fan-out can take a
 *   snapshot by reading the sequence once: members added after it have a
 *   larger `added_seq`.
 * - `topic_subscriber_removals`: memberships ended by RemoveSubscribers or
 *   DeleteTopic, with the seq at which they ended, so a fan-out started
 *   before a removal still reaches the member. No foreign key: they outlive
 *   their topic. Pruned by housekeeping after TOPIC_REMOVALS_RETENTION_HOURS;
 *   erasing a user deletes theirs at once.
 * Keys and user ids use the "C" collation: byte order, the same in every
 * database and in clients (JavaScript's default sort, Go's strings.Compare).
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    CREATE TABLE topics (
      key text COLLATE "C" PRIMARY KEY,
      name text NOT NULL DEFAULT '',
      description text NOT NULL DEFAULT '',
      self_service boolean NOT NULL DEFAULT false,
      subscriber_count bigint NOT NULL DEFAULT 0 CHECK (subscriber_count >= 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE SEQUENCE topic_subscriber_seq;

    CREATE TABLE topic_subscribers (
      topic_key text COLLATE "C" NOT NULL REFERENCES topics (key) ON DELETE CASCADE,
      user_id text COLLATE "C" NOT NULL,
      added_seq bigint NOT NULL DEFAULT nextval('topic_subscriber_seq'),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (topic_key, user_id)
    );
    CREATE INDEX topic_subscribers_by_user ON topic_subscribers (user_id, topic_key);

    CREATE TABLE topic_subscriber_removals (
      topic_key text COLLATE "C" NOT NULL,
      user_id text COLLATE "C" NOT NULL,
      added_seq bigint NOT NULL,
      removed_seq bigint NOT NULL,
      removed_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX topic_subscriber_removals_by_topic ON topic_subscriber_removals (topic_key, user_id);
    CREATE INDEX topic_subscriber_removals_by_user ON topic_subscriber_removals (user_id);
    CREATE INDEX topic_subscriber_removals_by_time ON topic_subscriber_removals (removed_at);
  `);
};

export const down: Migration = async ({ context: db }) => {
  await db.query(`
    DROP TABLE topic_subscriber_removals;
    DROP TABLE topic_subscribers;
    DROP SEQUENCE topic_subscriber_seq;
    DROP TABLE topics;
  `);
};
