import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { eventLog } from "../../src/store/event-log.js";
import { useMigratedDatabase } from "../helpers/migrated-database.js";

const store = useMigratedDatabase({ poolMax: 8 });

/** A notification row of the default tenant, written in `tx`: its trigger writes notification.created. */
const insertNotification = (tx: { exec(sql: string, v?: unknown[]): Promise<number> }, id: string) =>
  tx.exec(
    `INSERT INTO notifications (id, tenant_id, user_id, category, title, body, priority, send_at)
     VALUES ($1, 'default', 'u', 'c', 't', 'b', 'normal', now())`,
    [id],
  );

/** Waits (bounded) until the racing sequencers numbered every committed event; returns the head. */
async function waitForAllNumbered(): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const [row] = await store.db.rows<{ n: string }>("SELECT count(*) AS n FROM events WHERE seq IS NULL");
    if (Number(row?.n) === 0) return (await eventLog.head(store.db)).seq;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("events stayed unnumbered");
}

describe("the event log's sequencer", () => {
  it("numbers committed events 1..n with no gap or duplicate, in commit order, under racing writers, sequencers and a reader", async () => {
    const { db } = store;
    const committed: string[] = [];
    const stop = { done: false };
    // Two sequencers racing, as two processes' schedulers do: the advisory lock lets one number at a time.
    const sequencers = [0, 1].map(async () => {
      let rounds = 0;
      while (!stop.done && rounds++ < 5000) {
        await eventLog.sequence(db, 7); // small batches: many rounds, many races
        await new Promise((r) => setTimeout(r, 2));
      }
    });
    // A reader following the log as WatchEvents does.
    const read: number[] = [];
    const reader = (async () => {
      let last = 0;
      for (let rounds = 0; rounds < 20_000; rounds++) {
        const page = await eventLog.after(db, "default", last, 5, null);
        read.push(...page.events.map((e) => e.seq));
        last = page.lastSeq;
        if (stop.done && !page.more && last === (await eventLog.head(db)).seq && read.length === committed.length)
          return;
        if (!page.more) await new Promise((r) => setTimeout(r, 3));
      }
    })();
    // A long transaction begun first, committed last: its event comes after every event numbered before it
    // committed, though its transaction began earlier.
    let releaseLong: () => void = () => undefined;
    const longId = randomUUID();
    const longTx = db.transaction(async (tx) => {
      await insertNotification(tx, longId);
      await new Promise<void>((r) => {
        releaseLong = r;
      });
    });
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; i < 40; i++) {
        const id = randomUUID();
        const rollBack = i % 5 === w % 5;
        await db
          .transaction(async (tx) => {
            await insertNotification(tx, id);
            if (rollBack) throw new Error("rolled back on purpose");
          })
          .then(
            () => committed.push(id),
            () => undefined,
          );
      }
    });
    await Promise.all(writers);
    const numberedBefore = await waitForAllNumbered();
    releaseLong();
    await longTx;
    committed.push(longId);
    // An event whose transaction began after the long one committed comes after it.
    const afterId = randomUUID();
    await insertNotification(db, afterId);
    committed.push(afterId);
    await new Promise((r) => setTimeout(r, 200));
    stop.done = true;
    await Promise.all(sequencers);
    while ((await eventLog.sequence(db, 1000))?.numbered) {}
    await reader;

    const rows = await db.rows<{ seq: string; notification_id: string }>(
      "SELECT seq, notification_id FROM events ORDER BY seq",
    );
    expect(rows.map((r) => Number(r.seq))).toEqual(rows.map((_, i) => i + 1));
    expect(new Set(rows.map((r) => r.notification_id))).toEqual(new Set(committed));
    expect((await eventLog.head(db)).seq).toBe(rows.length);
    const seqOf = (id: string) => Number(rows.find((r) => r.notification_id === id)?.seq);
    expect(seqOf(longId)).toBeGreaterThan(numberedBefore);
    expect(seqOf(afterId)).toBeGreaterThan(seqOf(longId));
    // The reader saw each exactly once, in order, none skipped.
    expect(read).toEqual(rows.map((r) => Number(r.seq)));
  }, 60_000);

  it("prunes old events and marks where, so older cursors are told", async () => {
    const { db } = store;
    await insertNotification(db, randomUUID());
    await eventLog.sequence(db, 1000);
    const before = await eventLog.head(db);
    expect(await eventLog.prune(db, 1)).toBe(0); // nothing a day old
    // Nothing the webhook relay has not handled goes, however old.
    await db.exec("UPDATE webhook_event_cursor SET seq = $1", [before.seq - 1]);
    let kept = 0;
    for (let n = await eventLog.prune(db, 0, 50); n > 0; n = await eventLog.prune(db, 0, 50)) kept += n;
    expect(kept).toBe(before.seq - 1);
    expect(await eventLog.head(db)).toEqual({ seq: before.seq, prunedThrough: before.seq - 1 });
    await db.exec("UPDATE webhook_event_cursor SET seq = $1", [before.seq]);
    let removed = kept;
    for (let n = await eventLog.prune(db, 0, 50); n > 0; n = await eventLog.prune(db, 0, 50)) removed += n;
    expect(removed).toBe(before.seq);
    expect(await eventLog.head(db)).toEqual({ seq: before.seq, prunedThrough: before.seq });
  });
});
