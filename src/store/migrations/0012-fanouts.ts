import type { Migration } from "../migrator.js";

/**
 * Fan-outs: Sends to topics or to every recipient, written in chunks.
 * - `fanouts` keeps the Send (`request`: the draft without recipients), its
 *   audience (topics, explicit user ids, exclusions, broadcast), the
 *   membership snapshot it reads (`snapshot_seq` for topics, `snapshot_at`
 *   for broadcast) and where planning stands (`plan_after`: the last user id
 *   put in a chunk). A Send's idempotency key is kept here (unique per
 *   sender) with its request's hash.
 * - `fanout_chunks`: the audience split into chunks of distinct user ids, in
 *   user id order; each chunk is one Send with the idempotency key
 *   `fanout:<id>:<chunk>`, so a chunk expanded twice (a redelivery, a crash
 *   after the commit) writes its notifications once. `user_ids` are dropped
 *   when the chunk is settled. `published_at` marks chunks handed to
 *   JetStream.
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    CREATE TABLE fanouts (
      id uuid PRIMARY KEY,
      sender_key_id text NOT NULL,
      request jsonb NOT NULL,
      topics text[] NOT NULL,
      user_ids text[] NOT NULL,
      exclude_user_ids text[] NOT NULL,
      broadcast boolean NOT NULL,
      snapshot_seq bigint NOT NULL,
      snapshot_at timestamptz NOT NULL,
      state text NOT NULL CHECK (state IN ('planning', 'running', 'done', 'canceled')),
      plan_after text COLLATE "C" NOT NULL DEFAULT '',
      chunks integer NOT NULL DEFAULT 0,
      idempotency_key text,
      request_hash bytea,
      created_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    );
    CREATE INDEX fanouts_planning ON fanouts (created_at) WHERE state = 'planning';
    CREATE INDEX fanouts_in_flight ON fanouts (sender_key_id) WHERE state IN ('planning', 'running');
    CREATE UNIQUE INDEX fanouts_idempotency ON fanouts (sender_key_id, idempotency_key)
      WHERE idempotency_key IS NOT NULL;
    CREATE INDEX fanouts_finished ON fanouts (finished_at) WHERE state IN ('done', 'canceled');

    CREATE TABLE fanout_chunks (
      fanout_id uuid NOT NULL REFERENCES fanouts (id) ON DELETE CASCADE,
      chunk integer NOT NULL,
      user_ids text[],
      planned integer NOT NULL,
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'written', 'failed', 'canceled')),
      error text NOT NULL DEFAULT '',
      published_at timestamptz,
      settled_at timestamptz,
      PRIMARY KEY (fanout_id, chunk)
    );
    CREATE INDEX fanout_chunks_unpublished ON fanout_chunks (fanout_id, chunk) WHERE published_at IS NULL;
    CREATE INDEX fanout_chunks_pending ON fanout_chunks (fanout_id) WHERE state = 'pending';
  `);
};

export const down: Migration = async ({ context: db }) => {
  await db.query("DROP TABLE fanout_chunks; DROP TABLE fanouts;");
};
