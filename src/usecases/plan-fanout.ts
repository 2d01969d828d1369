import type { Database, Queryable } from "../store/database.js";
import { type FanoutRecord, fanoutStore } from "../store/fanout-store.js";
import { topicMemberStore } from "../store/topic-member-store.js";

export interface PlanFanoutDeps {
  db: Database;
  /** Recipients per chunk: one Send each (at most 1,000, Send's own bound). */
  chunkSize: number;
  /** Chunks one planning round adds before it commits and lets others run. */
  chunksPerRound: number;
  /** Chunks were added: hand them to JetStream now. */
  onChunks: () => void;
}

/**
 * One planning round: takes the oldest fan-out still planning (each planner
 * its own, SKIP LOCKED), reads its audience from where planning stopped, in
 * user id order, and records up to `chunksPerRound` chunks of distinct
 * recipients, with the cursor, in one transaction. A crash loses the round,
 * not the fan-out: the next round starts from the committed cursor. Returns
 * whether it did anything (the scheduler runs it again at once if so).
 */
export function createPlanFanout(deps: PlanFanoutDeps) {
  return async function planRound(): Promise<boolean> {
    const added = await deps.db.transaction(async (tx) => {
      const fanout = await fanoutStore.claimPlanning(tx);
      if (fanout === null) return null;
      const chunks: string[][] = [];
      let after = fanout.planAfter;
      let finished = false;
      const excluded = new Set(fanout.excludeUserIds);
      while (chunks.length < deps.chunksPerRound) {
        const page = await audiencePage(tx, fanout, after, deps.chunkSize);
        const ids = page.ids.filter((id) => !excluded.has(id));
        for (let i = 0; i < ids.length; i += deps.chunkSize) chunks.push(ids.slice(i, i + deps.chunkSize));
        if (page.ids.length > 0) after = page.ids[page.ids.length - 1] as string;
        if (page.ended) {
          finished = true;
          break;
        }
      }
      await fanoutStore.addChunks(tx, fanout.tenantId, fanout.id, fanout.chunks, chunks, after, finished);
      // An audience with nobody in it is done as soon as it is planned.
      if (finished) await fanoutStore.finishIfDone(tx, fanout.tenantId, fanout.id);
      return chunks.length;
    });
    if (added === null) return false;
    if (added > 0) deps.onChunks();
    return true;
  };
}

/**
 * The next recipients after `after`, distinct and in user id order (byte
 * order: user ids are printable ASCII), as of the fan-out's snapshot: the
 * topics' members (topic-member-store.ts reads them along each topic's
 * primary key) merged with the Send's own user_ids up to the last member
 * read; or, for a broadcast, the recipients that existed at the snapshot.
 * Always of the fan-out's tenant: its topics, its recipients.
 * `ended` says nobody comes after these.
 */
async function audiencePage(
  q: Queryable,
  fanout: FanoutRecord,
  after: string,
  limit: number,
): Promise<{ ids: string[]; ended: boolean }> {
  if (fanout.broadcast) {
    const rows = await q.rows<{ user_id: string }>(
      // The primary key's own order (the database's collation), so each page is an index range.
      `SELECT user_id FROM recipients WHERE tenant_id = $4 AND user_id > $1 AND created_at <= $2
       ORDER BY user_id LIMIT $3`,
      [after, fanout.snapshotAt, limit, fanout.tenantId],
    );
    return { ids: rows.map((r) => r.user_id), ended: rows.length < limit };
  }
  const members =
    fanout.topics.length === 0
      ? []
      : await topicMemberStore.subscribersAfter(q, fanout.tenantId, fanout.topics, after, limit, fanout.snapshotSeq);
  const ended = members.length < limit;
  const last = members[members.length - 1];
  const own = fanout.userIds.filter((id) => id > after && (ended || id <= (last as string)));
  const ids = [...new Set([...members, ...own])].sort(byteOrder);
  return { ids, ended };
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
