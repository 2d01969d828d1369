import type { Migration } from "../migrator.js";

/**
 * User token revocation: every token of `user_id` issued before
 * `revoked_before` is refused. A row matters only while a token issued before
 * it could still be unexpired (HERALD_USER_TOKEN_MAX_TTL), so old rows are
 * pruned, by `revoked_before`.
 */
export const up: Migration = async ({ context: db }) => {
  await db.query(`
    CREATE TABLE user_token_revocations (
      user_id text PRIMARY KEY,
      revoked_before timestamptz NOT NULL
    );
    CREATE INDEX user_token_revocations_time ON user_token_revocations (revoked_before);
  `);
};

export const down: Migration = async ({ context: db }) => {
  await db.query("DROP TABLE user_token_revocations");
};
