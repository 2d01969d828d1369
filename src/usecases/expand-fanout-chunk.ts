import { AlreadyExistsError, DomainError, UnavailableError } from "../domain/errors.js";
import type { Notification, NotificationDraft } from "../domain/notification.js";
import type { Principal } from "../domain/principal.js";
import type { Database } from "../store/database.js";
import { fanoutChunkStore } from "../store/fanout-chunk-store.js";
import { fanoutStore } from "../store/fanout-store.js";
import { chunkDraft } from "./start-fanout.js";

export interface ExpandChunkDeps {
  db: Database;
  /** Send itself: preferences, templates, workflows and group commit apply per recipient. */
  send: (principal: Principal, draft: NotificationDraft) => Promise<Notification[]>;
  /** A chunk was settled: the fan-out may put its next one on JetStream. */
  onSettled: () => void;
}

/**
 * Writes one chunk of a fan-out (found in the tenant its message names): a Send of the chunk's users with the
 * idempotency key `fanout:<id>:<chunk>`, so a chunk expanded twice (JetStream
 * redelivered it, a process died after the commit) writes its notifications
 * once: the second Send gets the first one's back. A canceled fan-out's
 * chunk is settled unsent. A chunk the Send refuses (a template variable
 * missing, a workflow deleted since) fails with that error, reported by
 * GetFanout. A throw (the database out of reach) means: try again later.
 */
export function createExpandFanoutChunk(deps: ExpandChunkDeps) {
  return async function expandChunk(tenantId: string, fanoutId: string, chunk: number): Promise<void> {
    const fanout = await fanoutStore.get(deps.db, tenantId, fanoutId);
    if (fanout === null) return; // pruned
    const userIds = await fanoutChunkStore.pendingChunk(deps.db, fanoutId, chunk);
    if (userIds === null) return; // settled already
    if (fanout.state === "canceled") {
      await fanoutChunkStore.settle(deps.db, fanoutId, chunk, "canceled");
      return;
    }
    try {
      await deps.send(
        senderOf(fanout.tenantId, fanout.senderKeyId),
        chunkDraft(fanout.request, userIds, `fanout:${fanoutId}:${chunk}`),
      );
      await fanoutChunkStore.settle(deps.db, fanoutId, chunk, "written");
    } catch (error) {
      // ALREADY_EXISTS: the key is taken by this very chunk (its users are fixed), so it was written.
      if (error instanceof AlreadyExistsError) await fanoutChunkStore.settle(deps.db, fanoutId, chunk, "written");
      else if (error instanceof DomainError && !(error instanceof UnavailableError)) {
        await fanoutChunkStore.settle(deps.db, fanoutId, chunk, "failed", error.message);
      } else throw error; // the database or a bug: JetStream redelivers it
    }
    await fanoutStore.finishIfDone(deps.db, tenantId, fanoutId);
    deps.onSettled();
  };
}

/**
 * The sender a fan-out's chunks are sent as: its API key (or operator) in the
 * fan-out's tenant, with the send scope only.
 */
function senderOf(tenantId: string, senderKeyId: string): Principal {
  return senderKeyId.startsWith("oidc:")
    ? { kind: "operator", tenantId, subject: senderKeyId.slice(5), name: senderKeyId, scopes: ["send"] }
    : { kind: "api_key", tenantId, keyId: senderKeyId, name: "fan-out", scopes: ["send"] };
}
