import type { Migration } from "../migrator.js";

/** Which of a channel's providers answered an attempt (failover: channels/failover.ts). */
export const up: Migration = async ({ context: db }) => {
  await db.query(`ALTER TABLE delivery_attempts ADD COLUMN provider text NOT NULL DEFAULT ''`);
};

export const down: Migration = async ({ context: db }) => {
  await db.query(`ALTER TABLE delivery_attempts DROP COLUMN provider`);
};
