import {
  AlreadyExistsError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
} from "../domain/errors.js";
import type { Channel, NotificationDraft } from "../domain/notification.js";
import { type Principal, senderIdOf } from "../domain/principal.js";
import type { Workflow } from "../domain/workflow.js";
import type { Database } from "../store/database.js";
import { fanoutStore } from "../store/fanout-store.js";
import { recipientStore } from "../store/recipient-store.js";
import { topicMemberStore } from "../store/topic-member-store.js";
import { topicStore } from "../store/topic-store.js";
import { requireScope } from "./access.js";
import { newId } from "./new-id.js";
import { checkDraft, requestHash } from "./send-notification.js";

/** What counting a fan-out's audience against its tenant's day decided. */
export interface AudienceCharge {
  count: number;
  allowed: boolean;
  /** When refused: until the day holds the audience (a day, if it never will). */
  retryInMs: number;
  perDay: number;
}

export interface StartFanoutDeps {
  db: Database;
  channels: readonly Channel[];
  findWorkflow: (tenantId: string, name: string, category: string) => Promise<Workflow | null>;
  /** Fan-outs one sender may have planning or running at once (FANOUTS_IN_FLIGHT_PER_KEY). */
  maxInFlightPerSender: number;
  /**
   * Takes `count` from the tenant's notifications per day: null when the
   * tenant's day is not limited, else whether it could (and the day's size).
   */
  chargeNotifications: (tenantId: string, audience: () => Promise<number>) => Promise<AudienceCharge | null>;
  /** Fan-outs one tenant may have planning or running at once, over all its senders. */
  maxInFlightPerTenant: (tenantId: string) => number;
  /** A fan-out was recorded: plan it now rather than at the next round. */
  onStarted: () => void;
}

/**
 * A Send to topics or to everyone (every recipient of the sender's tenant;
 * topics are the tenant's): checks what can be checked now (scope,
 * content, channels, workflow, topics), takes the membership snapshot and
 * records the fan-out, and returns its id at once. Planning splits the
 * audience into chunks later (plan-fanout.ts); each chunk is written as a
 * Send of its own (expand-fanout-chunk.ts).
 */
export function createStartFanout(deps: StartFanoutDeps) {
  return async function startFanout(principal: Principal, draft: NotificationDraft): Promise<string> {
    requireScope(principal, "send", "send notifications");
    if (draft.broadcast === true) requireScope(principal, "admin", "broadcast to every recipient");
    const sender = senderIdOf(principal);
    if (sender === null) throw new PermissionDeniedError("only API keys and operators may send notifications");
    checkDraft(draft, deps.channels);
    const workflow = await deps.findWorkflow(principal.tenantId, draft.workflow, draft.category);
    if (workflow === null && draft.workflow !== "")
      throw new NotFoundError(`workflow "${draft.workflow}" does not exist`);
    if (workflow !== null && draft.channels.length > 0) {
      throw new InvalidArgumentError(
        "channels",
        `must be empty: workflow "${workflow.key}" delivers this notification`,
      );
    }
    const topics = draft.topics ?? [];
    if (topics.length > 0) {
      const found = new Set(
        (
          await deps.db.rows<{ key: string }>("SELECT key FROM topics WHERE tenant_id = $2 AND key = ANY($1::text[])", [
            topics,
            principal.tenantId,
          ])
        ).map((r) => r.key),
      );
      const missing = topics.findIndex((t) => !found.has(t));
      if (missing >= 0) throw new NotFoundError(`topics[${missing}]: topic "${topics[missing]}" does not exist`);
    }
    const key = draft.idempotencyKey === "" ? null : draft.idempotencyKey;
    const hash = key === null ? null : requestHash(draft);
    // A repeat of a recorded fan-out is answered whatever the limit; a new one counts against it.
    const earlier = key === null ? null : await fanoutStore.byKey(deps.db, principal.tenantId, sender, key);
    if (earlier !== null) return sameRequest(earlier, hash as Buffer, key as string);
    if ((await fanoutStore.inFlight(deps.db, principal.tenantId, sender)) >= deps.maxInFlightPerSender) {
      throw new ResourceExhaustedError(
        `this sender already has ${deps.maxInFlightPerSender} fan-outs planning or running (FANOUTS_IN_FLIGHT_PER_KEY); wait for one to finish or cancel one`,
      );
    }
    const tenantMax = deps.maxInFlightPerTenant(principal.tenantId);
    if ((await fanoutStore.inFlightOfTenant(deps.db, principal.tenantId)) >= tenantMax) {
      throw new ResourceExhaustedError(
        `this tenant already has ${tenantMax} fan-outs planning or running (FANOUTS_IN_FLIGHT_PER_TENANT, or the tenant's fanouts_in_flight); wait for one to finish or cancel one`,
      );
    }
    await chargeAudience(deps, principal.tenantId, draft);
    const snapshotSeq = await topicMemberStore.snapshot(deps.db);
    const { userIds, idempotencyKey: _key, topics: _t, excludeUserIds, broadcast, ...request } = draft;
    const recorded = await fanoutStore.create(deps.db, {
      id: newId(),
      tenantId: principal.tenantId,
      senderKeyId: sender,
      request: { ...request, sendAt: draft.sendAt?.toISOString() ?? null },
      topics,
      userIds,
      excludeUserIds: excludeUserIds ?? [],
      broadcast: broadcast === true,
      snapshotSeq,
      idempotencyKey: key,
      requestHash: hash,
    });
    if (!recorded.created) return sameRequest(recorded, hash as Buffer, key as string);
    deps.onStarted();
    return recorded.id;
  };
}

/**
 * Counts the fan-out's audience against its tenant's notifications per day,
 * before it is recorded: the topics' members (a member of two topics counts
 * twice: the bound is what the Send may reach) and the named users, or every
 * recipient of the tenant for a broadcast. Read only when the day is limited.
 */
async function chargeAudience(deps: StartFanoutDeps, tenantId: string, draft: NotificationDraft): Promise<void> {
  const charged = await deps.chargeNotifications(tenantId, async () =>
    draft.broadcast === true
      ? await recipientStore.count(deps.db, tenantId)
      : (await topicStore.subscriberTotal(deps.db, tenantId, draft.topics ?? [])) + draft.userIds.length,
  );
  if (charged === null || charged.allowed) return;
  throw new ResourceExhaustedError(
    `rate limit exceeded: this tenant may send ${charged.perDay} notifications per day, and this fan-out's audience of ${charged.count} is more than is left; retry in ${charged.retryInMs} ms`,
  );
}

/** The fan-out recorded under an idempotency key, if this request is the one it was recorded for. */
function sameRequest(earlier: { id: string; requestHash: Buffer | null }, hash: Buffer, key: string): string {
  if (earlier.requestHash?.equals(hash) ?? false) return earlier.id;
  throw new AlreadyExistsError(
    `idempotency_key "${key}" was already used for a different request; use a new key for a new notification`,
  );
}

/** A fan-out's stored request back as a draft for one chunk's users. */
export function chunkDraft(
  request: Record<string, unknown>,
  userIds: string[],
  idempotencyKey: string,
): NotificationDraft {
  const sendAt = request.sendAt;
  return {
    ...(request as unknown as NotificationDraft),
    userIds,
    idempotencyKey,
    sendAt: typeof sendAt === "string" ? new Date(sendAt) : null,
    expireAt: typeof request.expireAt === "string" ? new Date(request.expireAt) : null,
  };
}
