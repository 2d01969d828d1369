import { NotFoundError } from "../domain/errors.js";
import { type Principal, senderIdOf } from "../domain/principal.js";
import type { Database } from "../store/database.js";
import { type FanoutProgress, fanoutChunkStore } from "../store/fanout-chunk-store.js";
import { type FanoutRecord, fanoutStore } from "../store/fanout-store.js";
import { requireScope } from "./access.js";

/** A fan-out as GetFanout reports it. */
export interface FanoutView extends FanoutProgress {
  id: string;
  state: FanoutRecord["state"];
  topics: string[];
  broadcast: boolean;
  createdAt: Date;
  finishedAt: Date | null;
}

/**
 * GetFanout and CancelFanout. A sender sees and cancels its own fan-outs;
 * `read` sees any of its tenant, `admin` cancels any of its tenant. Another
 * sender's fan-out is NOT_FOUND to a key that may not see it, and another
 * tenant's to every key, so ids cannot be probed.
 */
export function createFanoutProgress(deps: { db: Database }) {
  const visible = async (principal: Principal, id: string, anyScope: "read" | "admin", action: string) => {
    const mayAny =
      principal.kind !== "user" && (principal.scopes.includes(anyScope) || principal.scopes.includes("admin"));
    if (!mayAny) requireScope(principal, "send", action);
    const fanout = await fanoutStore.get(deps.db, principal.tenantId, id);
    if (fanout === null || (!mayAny && fanout.senderKeyId !== senderIdOf(principal))) {
      throw new NotFoundError(`fan-out ${id} does not exist`);
    }
    return fanout;
  };
  const view = async (fanout: FanoutRecord): Promise<FanoutView> => ({
    id: fanout.id,
    state: fanout.state,
    topics: fanout.topics,
    broadcast: fanout.broadcast,
    createdAt: fanout.createdAt,
    finishedAt: fanout.finishedAt,
    ...(await fanoutChunkStore.progress(deps.db, fanout.id)),
  });
  return {
    async get(principal: Principal, id: string): Promise<FanoutView> {
      return view(await visible(principal, id, "read", "read fan-outs"));
    },
    async cancel(principal: Principal, id: string): Promise<FanoutView> {
      const fanout = await visible(principal, id, "admin", "cancel fan-outs");
      await deps.db.transaction((tx) => fanoutStore.cancel(tx, principal.tenantId, id));
      return view((await fanoutStore.get(deps.db, principal.tenantId, id)) ?? fanout);
    },
  };
}
