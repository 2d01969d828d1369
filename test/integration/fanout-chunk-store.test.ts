import { describe, expect, it } from "vitest";
import { defaultTenant as tenant } from "../../src/domain/tenant.js";
import { fanoutChunkStore } from "../../src/store/fanout-chunk-store.js";
import { fanoutStore } from "../../src/store/fanout-store.js";
import { newId } from "../../src/usecases/new-id.js";
import { useMigratedDatabase } from "../helpers/migrated-database.js";

// Which chunks the relay hands to JetStream: a few per fan-out at a time, in
// order, fan-outs in turn; a chunk published long ago and still pending again.
const database = useMigratedDatabase({ poolMax: 4 });

async function fanoutWithChunks(chunks: number): Promise<string> {
  const id = newId();
  await fanoutStore.create(database.db, {
    id,
    tenantId: tenant,
    senderKeyId: "k",
    request: {},
    topics: ["t"],
    userIds: [],
    excludeUserIds: [],
    broadcast: false,
    snapshotSeq: 1,
    idempotencyKey: null,
    requestHash: null,
  });
  const lists = Array.from({ length: chunks }, (_, i) => [`u${i}`]);
  await database.db.transaction((tx) => fanoutStore.addChunks(tx, tenant, id, 0, lists, `u${chunks - 1}`, true));
  return id;
}

const published = async (id: string, chunks: number[]) => fanoutChunkStore.markPublished(database.db, id, chunks);
const of = (rows: Array<{ fanoutId: string; chunk: number }>, id: string) =>
  rows.filter((r) => r.fanoutId === id).map((r) => r.chunk);

describe("fanoutChunkStore.toPublish", () => {
  it("offers each fan-out's next chunks up to its share, and more as chunks settle", async () => {
    const big = await fanoutWithChunks(20);
    const small = await fanoutWithChunks(1);
    const first = await fanoutChunkStore.toPublish(database.db, 3, 600_000);
    expect(of(first, big)).toEqual([0, 1, 2]);
    expect(of(first, small)).toEqual([0]);
    await published(big, [0, 1, 2]);
    await published(small, [0]);
    expect(of(await fanoutChunkStore.toPublish(database.db, 3, 600_000), big)).toEqual([]);
    await fanoutChunkStore.settle(database.db, big, 1, "written");
    expect(of(await fanoutChunkStore.toPublish(database.db, 3, 600_000), big)).toEqual([3]);
  });

  it("offers again a chunk published longer ago than the stale limit and still pending", async () => {
    const id = await fanoutWithChunks(2);
    await published(id, [0, 1]);
    await database.db.exec(
      "UPDATE fanout_chunks SET published_at = now() - interval '1 hour' WHERE fanout_id = $1 AND chunk = 0",
      [id],
    );
    expect(of(await fanoutChunkStore.toPublish(database.db, 5, 600_000), id)).toEqual([0]);
  });

  it("offers nothing of a canceled fan-out", async () => {
    const id = await fanoutWithChunks(3);
    await database.db.transaction((tx) => fanoutStore.cancel(tx, tenant, id));
    expect(of(await fanoutChunkStore.toPublish(database.db, 5, 600_000), id)).toEqual([]);
  });
});
