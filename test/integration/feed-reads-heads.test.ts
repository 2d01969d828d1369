// Opening many Subscribe streams at once (issue 16): their head reads share
// queries instead of one query per stream.
import pino from "pino";
import { describe, expect, it } from "vitest";
import { defaultTenant } from "../../src/domain/tenant.js";
import { createFeedReads } from "../../src/feed/feed-reads.js";
import { createReadQueue } from "../../src/feed/read-queue.js";
import type { Queryable } from "../../src/store/database.js";
import { useMigratedDatabase } from "../helpers/migrated-database.js";

const holder = useMigratedDatabase();

describe("head reads of streams opening together", () => {
  it("run as a few shared queries, each stream getting its own user's head", async () => {
    const db = holder.db;
    await db.exec(
      "INSERT INTO user_feeds (tenant_id, user_id, seq, unread_count) SELECT 'default', 'opener-' || i, i, i % 7 FROM generate_series(1, 1000) i",
    );
    let queries = 0;
    const counted: Queryable = {
      rows: (sql, values) => {
        queries++;
        return db.rows(sql, values);
      },
      exec: (sql, values) => db.exec(sql, values),
    };
    const reads = createFeedReads({
      db: counted,
      queue: createReadQueue({ concurrency: 3, maxWaiting: 2000 }),
      logger: pino({ level: "silent" }),
    });
    const opens = 2000; // 1,000 users with a feed, 1,000 without
    const heads = await Promise.all(
      Array.from({ length: opens }, (_, i) => reads.head(defaultTenant, `opener-${i + 1}`, { shed: true })),
    );
    expect(heads.slice(0, 1000)).toEqual(
      Array.from({ length: 1000 }, (_, i) => ({ seq: i + 1, unreadCount: (i + 1) % 7, unseenCount: 0 })),
    );
    expect(heads.slice(1000).every((h) => h === null)).toBe(true);
    // The first reads find a free slot and run alone; the rest join the batch
    // waiting for a slot (up to 1,000 users a query).
    expect(queries).toBeLessThanOrEqual(6);
  });
});
