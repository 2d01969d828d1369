import { createHash } from "node:crypto";
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import { type Channel, expiryOf, isFanout, type Notification, type NotificationDraft } from "../domain/notification.js";
import { type Principal, senderIdOf } from "../domain/principal.js";
import { checkActions } from "../domain/tags-and-actions.js";
import type { Workflow } from "../domain/workflow.js";
import type { Database, Queryable } from "../store/database.js";
import { idempotencyStore } from "../store/idempotency-store.js";
import { notificationStore } from "../store/notification-store.js";
import type { TraceContext } from "../store/outbox-store.js";
import { createSendBatcher, type SendBatcherOptions } from "../store/send-batcher.js";
import { sendStore } from "../store/send-store.js";
import { type NewRun, workflowRunStore } from "../store/workflow-run-store.js";
import { requireScope } from "./access.js";
import type { PublishFeedEvents } from "./inbox-placement.js";
import { checkJsonBytes } from "./json-size.js";
import { newId } from "./new-id.js";
import type { PrepareDeliveries } from "./prepare-deliveries.js";
import { type CancelRuns, replaceGroup } from "./retract-notification.js";

export interface SendNotificationDeps {
  db: Database;
  prepare: PrepareDeliveries;
  /** Tells live streams about notifications that went into inboxes. */
  publish: PublishFeedEvents;
  /** The caller's trace, kept with the deliveries it queues. */
  traceContext: () => TraceContext;
  /** Channels this server delivers on. */
  channels: readonly Channel[];
  /** Called after a commit that queued deliveries (the relay publishes them right away). */
  onQueued: () => void;
  /** Reports deliveries settled at Send time (in-app sent, suppressed), for metrics. */
  observe?: (channel: Channel, outcome: "sent" | "suppressed") => void;
  /** The workflow a Send runs: the one named, else the one whose categories match; null for none. */
  findWorkflow: (tenantId: string, name: string, category: string) => Promise<Workflow | null>;
  /** Called after a commit that started workflow runs (their first step is due). */
  onRunsStarted: () => void;
  /** Where workflows read the time (due times of the runs' first steps). */
  now: () => Date;
  /**
   * Group commit of the Sends that need no transaction (no idempotency key, no
   * workflow runs): concurrent ones share a statement and a commit. Absent or
   * null writes each Send alone.
   */
  groupCommit?: Omit<SendBatcherOptions, "db"> | null;
  /** Workflows: ends the runs of a notification a Send of its group replaces. */
  cancelRuns?: CancelRuns;
}

/** Largest `data` accepted, as JSON. */
export const maxDataBytes = 16 * 1024;

/**
 * Send: one notification per recipient, one delivery per channel (and target),
 * and an outbox row per delivery to queue, all in one transaction. In-app
 * deliveries that are due go into the inbox in that transaction and reach live
 * streams once it commits; the others reach JetStream through the outbox relay,
 * so Send succeeds while NATS is down.
 */
export function createSendNotification(deps: SendNotificationDeps) {
  const batcher = deps.groupCommit ? createSendBatcher({ db: deps.db, ...deps.groupCommit }) : null;
  return async function sendNotification(principal: Principal, draft: NotificationDraft): Promise<Notification[]> {
    requireScope(principal, "send", "send notifications");
    const senderKeyId = senderIdOf(principal);
    // The recipients are users of the sender's tenant: the same id elsewhere is someone else.
    const { tenantId } = principal;
    checkDraft(draft, deps.channels);

    const now = new Date();
    const scheduled = draft.sendAt !== null && draft.sendAt > now;
    const { category, title, body, actionUrl, data, priority } = draft;
    const groupKey = draft.groupKey ?? "";
    const notifications: Notification[] = draft.userIds.map((userId) => ({
      id: newId(),
      tenantId,
      userId,
      ...{ category, title, body, actionUrl, data, priority },
      createdAt: now,
      sendAt: scheduled ? (draft.sendAt as Date) : now,
      readAt: null,
      archivedAt: null,
      expireAt: expiryOf(draft, scheduled ? (draft.sendAt as Date) : now),
      tags: draft.tags ?? [],
      actions: draft.actions ?? [],
      interaction: null,
      seenAt: null,
      ...(groupKey !== "" && { groupKey }),
    }));
    const key = draft.idempotencyKey !== "" && senderKeyId !== null ? draft.idempotencyKey : null;
    const fingerprint = key === null ? null : requestHash(draft);
    const workflow = await deps.findWorkflow(principal.tenantId, draft.workflow, draft.category);
    if (workflow === null && draft.workflow !== "") {
      throw new NotFoundError(`workflow "${draft.workflow}" does not exist`);
    }
    if (workflow !== null && draft.channels.length > 0) {
      throw new InvalidArgumentError(
        "channels",
        `must be empty: workflow "${workflow.key}" delivers this notification`,
      );
    }
    // Reads and rendering happen before the transaction: a preference change
    // racing with this Send may or may not apply to it, as with any message
    // already in flight. A workflow's notifications wait for its deliver
    // steps; only their in-app content is rendered now (what the inbox shows).
    const plan =
      workflow === null
        ? await deps.prepare(tenantId, draft, notifications, scheduled)
        : await renderOnly(deps.prepare, tenantId, draft, notifications);
    const trace = deps.traceContext();
    const runs = workflow === null ? [] : runsFor(workflow, notifications, draft, trace, now);
    const write = { ...plan, tenantId, senderKeyId, trace, templateKey: draft.templateKey };
    const writeSend = async (q: Queryable) => {
      const events = await sendStore.write(q, write);
      // A scheduled Send starts its runs when it is due.
      await workflowRunStore.start(q, principal.tenantId, runs, scheduled ? (draft.sendAt as Date) : deps.now());
      return events;
    };
    // Without runs, the Send goes to group commit when it is on: one
    // statement shared with concurrent Sends, or with an idempotency key one
    // transaction that claims every key of the batch. Otherwise a Send without
    // a key or runs is one statement, atomic by itself, and one with them
    // claims and completes its key, and starts its runs, in one transaction.
    // A Send of a group (group_key) always takes a transaction: it retracts
    // the group's previous notifications before it writes.
    const alone = runs.length === 0 && groupKey === "";
    const sendKey =
      key === null
        ? null
        : {
            apiKeyId: senderKeyId as string,
            key,
            requestHash: fingerprint as Buffer,
            notificationIds: ids(notifications),
          };
    const outcome =
      batcher !== null && alone
        ? await batcher.write(write, sendKey)
        : key === null && alone
          ? { replayOf: null, events: await sendStore.write(deps.db, write) }
          : await deps.db.transaction(async (tx) => {
              const claim =
                key === null
                  ? null
                  : await idempotencyStore.claim(tx, senderKeyId as string, key, fingerprint as Buffer);
              if (claim !== null && !claim.claimed) return { replayOf: claim, events: [] };
              const replaced =
                groupKey === "" ? [] : await replaceGroup(tx, tenantId, groupKey, notifications, now, deps.cancelRuns);
              const events = await writeSend(tx);
              if (key !== null) await idempotencyStore.complete(tx, senderKeyId as string, key, ids(notifications));
              return { replayOf: null, events: [...replaced, ...events] };
            });

    if (outcome.replayOf !== null) {
      if (!outcome.replayOf.requestHash.equals(fingerprint as Buffer)) {
        throw new AlreadyExistsError(
          `idempotency_key "${key}" was already used for a different request; use a new key for a new notification`,
        );
      }
      return notificationStore.getMany(deps.db, tenantId, outcome.replayOf.notificationIds);
    }
    deps.publish(outcome.events);
    if (plan.deliveries.some((d) => d.queue)) deps.onQueued();
    if (runs.length > 0 && !scheduled) deps.onRunsStarted();
    for (const d of plan.deliveries) {
      if (d.status === "sent" || d.status === "suppressed") deps.observe?.(d.channel, d.status);
    }
    return notifications;
  };
}

/**
 * A workflow Send's plan: nothing delivered or placed yet, but the in-app
 * title and body rendered from the template now, as the inbox will show them.
 */
async function renderOnly(
  prepare: PrepareDeliveries,
  tenantId: string,
  draft: NotificationDraft,
  notifications: Notification[],
) {
  if (draft.templateKey !== "") await prepare(tenantId, { ...draft, channels: ["in_app"] }, notifications, true);
  return { inbox: [], others: notifications, deliveries: [] };
}

function runsFor(
  workflow: Workflow,
  notifications: readonly Notification[],
  draft: NotificationDraft,
  trace: TraceContext,
  createdAt: Date,
): NewRun[] {
  return notifications.map((n) => ({
    id: newId(),
    workflowKey: workflow.key,
    workflowVersion: workflow.version,
    notificationId: n.id,
    userId: n.userId,
    cancellationKey: draft.cancellationKey,
    templateKey: draft.templateKey,
    stepKinds: workflow.steps.map((step) => step.kind),
    trace,
    createdAt,
  }));
}

function ids(notifications: readonly Notification[]): string[] {
  return notifications.map((n) => n.id);
}

export function checkDraft(draft: NotificationDraft, available: readonly Channel[]): void {
  if (isFanout(draft) && (draft.groupKey ?? "") !== "") {
    throw new InvalidArgumentError("group_key", "only with user_ids, not with topics or broadcast");
  }
  if (!isFanout(draft) && (draft.excludeUserIds?.length ?? 0) > 0) {
    throw new InvalidArgumentError("exclude_user_ids", "only with topics or broadcast");
  }
  draft.channels.forEach((channel, i) => {
    if (!available.includes(channel)) {
      throw new InvalidArgumentError(`channels[${i}]`, `channel "${channel}" is not enabled on this server`);
    }
  });
  if (draft.data !== null) checkJsonBytes("data", draft.data, maxDataBytes);
  checkActions(draft.actions ?? [], "actions");
}

/** Fingerprint of what a Send asks for, to tell a retry from a different request. */
export function requestHash(draft: NotificationDraft): Buffer {
  // A fan-out's audience joins the fingerprint only when there is one, so
  // keys stored before audiences existed keep their fingerprints.
  const audience = isFanout(draft)
    ? [[...(draft.topics ?? [])].sort(), [...(draft.excludeUserIds ?? [])].sort(), draft.broadcast === true]
    : [];
  const canonical = JSON.stringify([
    ...audience,
    draft.userIds,
    draft.category,
    draft.title,
    draft.body,
    draft.actionUrl,
    sortKeys(draft.data),
    draft.priority,
    [...draft.channels].sort(),
    draft.sendAt?.toISOString() ?? null,
    draft.templateKey,
    draft.workflow,
    draft.cancellationKey,
    // Joins only when given, so keys stored before groups existed keep their fingerprints.
    ...(draft.groupKey ? [draft.groupKey] : []),
    // Only when set, so keys stored before expiry existed keep their fingerprints.
    ...(draft.expireAt ? [draft.expireAt.toISOString()] : []),
    ...(draft.ttlMs ? [`ttl:${draft.ttlMs}`] : []),
    // Only when given, so keys stored before tags and actions keep their fingerprints.
    ...((draft.tags?.length ?? 0) + (draft.actions?.length ?? 0) > 0 ? [draft.tags, sortKeys(draft.actions)] : []),
  ]);
  return createHash("sha256").update(canonical).digest();
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
