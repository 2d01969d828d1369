import { afterAll, beforeAll, expect, it } from "vitest";
import { createDatabase } from "../../src/store/database.js";
import { createTestDatabase, type TestDatabase } from "../helpers/herald.js";
import { waitFor } from "../helpers/wait.js";

// poolMin: connections opened up front and kept through idle spells, so a
// burst of statements finds warm connections (authenticated, caches and
// prepared statements in place) instead of opening new ones under load.
let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(() => testDb.close());

/** Herald's connections to the test database, as Postgres sees them. */
async function backends(): Promise<number> {
  const [row] = await testDb.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
  );
  return row?.n ?? 0;
}

it("opens poolMin connections before any statement", async () => {
  const db = createDatabase({ url: testDb.url, poolMax: 6, poolMin: 3 });
  try {
    // The test's own pool holds at most 2 more connections, all idle.
    await waitFor(() => db.stats().total === 3 && db.stats().idle === 3, 10_000, "3 idle connections");
    expect(await backends()).toBeGreaterThanOrEqual(3);
  } finally {
    await db.close();
  }
});

it("keeps poolMin connections through an idle spell and closes the ones above it", async () => {
  const db = createDatabase({ url: testDb.url, poolMax: 4, poolMin: 2 });
  try {
    await Promise.all(Array.from({ length: 4 }, () => db.exec("SELECT pg_sleep(0.2)")));
    expect(db.stats().total).toBe(4);
    // Above poolMin a connection closes after 10 s idle; poolMin of them stay.
    await waitFor(() => db.stats().total === 2, 20_000, "the pool to shrink to poolMin");
    await new Promise((r) => setTimeout(r, 1000));
    expect(db.stats()).toEqual({ total: 2, idle: 2, waiting: 0 });
  } finally {
    await db.close();
  }
});

it("opens none up front without poolMin, and closes every idle connection", async () => {
  const db = createDatabase({ url: testDb.url, poolMax: 4 });
  try {
    await new Promise((r) => setTimeout(r, 300));
    expect(db.stats().total).toBe(0);
    await db.exec("SELECT 1");
    expect(db.stats().total).toBe(1);
    await waitFor(() => db.stats().total === 0, 20_000, "the idle connection to close");
  } finally {
    await db.close();
  }
}, 30_000);
