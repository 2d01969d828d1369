import { randomBytes } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient } from "../helpers/clients.js";
import { createTestDatabase, startHerald, type TestDatabase, type TestHerald } from "../helpers/herald.js";

// Item 2 of issue 9 ("auth before any database work"): a key that is not in the
// cache has to be looked up, so a flood of made-up API keys is database work
// anyone can cause. Lookups run a few at a time and the waiting line is
// bounded; the rest of the pool stays free for everyone else.

let herald: TestHerald;
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  herald = await startHerald({
    db,
    env: { API_KEY_LOOKUP_CONCURRENCY: "2", API_KEY_LOOKUP_QUEUE_MAX: "100", API_KEY_CACHE_TTL_MS: "10000" },
  });
});
afterAll(async () => {
  await herald.close();
  await db.close();
});

const madeUpKey = () => `hk_${randomBytes(8).toString("hex")}_${randomBytes(24).toString("base64url")}`;

describe("API key lookups", () => {
  it("run a few at a time: a flood of made-up keys on a stalled table leaves the pool to others", async () => {
    const legit = connectClient(herald.url, await herald.userToken("bystander"));
    await legit.list({});
    // Stall every lookup: hold a lock on api_keys that its SELECT waits for.
    const pg = (await import("pg")).default;
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    await locker.query("BEGIN");
    await locker.query("LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE");
    try {
      const flood = Array.from({ length: 300 }, () =>
        connectClient(herald.url, madeUpKey())
          .list({ userId: "someone" })
          .then(
            () => "ok",
            (e: unknown) => Code[ConnectError.from(e).code],
          ),
      );
      // With every pool connection stuck behind the lock, this List could not run.
      const answer = await legit.list({});
      expect(answer.unreadCount).toBe(0);
      await locker.query("ROLLBACK");
      const outcomes = await Promise.all(flood);
      const counts: Record<string, number> = {};
      for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
      // Beyond the 100 waiting (and the 2 running), callers are refused at once.
      expect(counts.Unavailable ?? 0).toBeGreaterThanOrEqual(190);
      expect((counts.Unauthenticated ?? 0) + (counts.Unavailable ?? 0)).toBe(300);
    } finally {
      await locker.end();
    }
  }, 60_000);
});
