import { afterAll, beforeAll } from "vitest";
import { createDatabase, type Database } from "../../src/store/database.js";
import { migrate } from "../../src/store/migrator.js";
import { createTestDatabase, type TestDatabase } from "./herald.js";

/**
 * A fresh, migrated database for the tests of one file (made before them,
 * dropped after), with Herald's own pool on it: for tests of stores and
 * wings that run without a server. Read `.db` inside tests and hooks.
 */
export function useMigratedDatabase(options: { poolMax?: number } = {}): { db: Database } {
  const holder = {} as { db: Database };
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    await migrate(testDb.url);
    holder.db = createDatabase({ url: testDb.url, poolMax: options.poolMax ?? 4 });
  });
  afterAll(async () => {
    await holder.db?.close();
    await testDb?.close();
  });
  return holder;
}
