import type { Channel, ChannelCatalog } from "../domain/channel.js";
import type { Deliverers } from "../domain/deliverer.js";
import type { DeadLetter } from "../domain/delivery-outcome.js";
import type { ChangeKind } from "../domain/feed-event.js";
import { isFanout, type NotificationDraft } from "../domain/notification.js";
import type { Principal } from "../domain/principal.js";
import type { RetryPolicy } from "../domain/retry-policy.js";
import type { TenantSettings } from "../domain/tenant-settings.js";
import type { Workflow } from "../domain/workflow.js";
import type { FeedHub } from "../feed/feed-hub.js";
import type { FeedReads } from "../feed/feed-reads.js";
import type { Database, Queryable } from "../store/database.js";
import type { TraceContext } from "../store/outbox-store.js";
import type { PreferenceCache } from "../store/preference-cache.js";
import type { WebhookEndpointStore } from "../store/webhook-endpoint-store.js";
import type { ContentRenderer } from "../templates/content-renderer.js";
import { compileCondition } from "../workflows/conditions.js";
import type { ChangedState } from "../workflows/engine.js";
import { createDeliverMessage } from "./deliver-message.js";
import { createExpandFanoutChunk } from "./expand-fanout-chunk.js";
import { createExpireNotifications } from "./expire-notifications.js";
import { createFanoutProgress } from "./fanout-progress.js";
import { createGetNotification } from "./get-notification.js";
import type { PublishFeedEvents } from "./inbox-placement.js";
import { createInteractNotification } from "./interact-notification.js";
import { createListNotifications } from "./list-notifications.js";
import { createManageDeliveries } from "./manage-deliveries.js";
import { createManagePreferences } from "./manage-preferences.js";
import { createManageRecipients } from "./manage-recipients.js";
import { createManageTemplates } from "./manage-templates.js";
import { createManageTenants } from "./manage-tenants.js";
import { createManageTopics } from "./manage-topics.js";
import { createManageWebhooks } from "./manage-webhooks.js";
import { createManageWorkflows } from "./manage-workflows.js";
import { createMarkNotifications } from "./mark-notifications.js";
import { callerOf } from "./operator-caller.js";
import { createOperatorHealth, type PipelineProbes } from "./operator-health.js";
import { createOperatorLife } from "./operator-life.js";
import { createOperatorRetry } from "./operator-retry.js";
import { createOperatorSearch } from "./operator-search.js";
import { createPlanFanout } from "./plan-fanout.js";
import { createPrepareDeliveries } from "./prepare-deliveries.js";
import { createPreviewTemplate } from "./preview-template.js";
import { createRetractNotification } from "./retract-notification.js";
import { createReturnSnoozed } from "./return-snoozed.js";
import { createSendMany, type SendManyDeps } from "./send-many.js";
import { createSendNotification, type SendNotificationDeps } from "./send-notification.js";
import { createSnoozeNotifications } from "./snooze-notifications.js";
import { createStartFanout, type StartFanoutDeps } from "./start-fanout.js";
import { createSubscribeFeed } from "./subscribe-feed.js";
import { createUpdateNotification } from "./update-notification.js";
import { createWebhookOperations } from "./webhook-operations.js";
import { createWorkflowDeliveries } from "./workflow-deliveries.js";

/** What the use cases are built from: the other wings, as the composition root made them. */
export interface UseCaseDeps {
  db: Database;
  /** Channels this server offers, what they are, and the deliverers of the queued ones. */
  channels: { available: readonly Channel[]; catalog: ChannelCatalog; deliverers: Deliverers };
  endpoints: WebhookEndpointStore;
  preferences: PreferenceCache;
  renderer: ContentRenderer;
  feed: { hub: FeedHub; reads: FeedReads; publish: PublishFeedEvents };
  /** A revocation committed here: every process refuses the tenant's user's older tokens. */
  tokensRevoked: (tenantId: string, userId: string, before: Date) => void;
  /** A tenant was made or deleted here: every process reloads which tenants exist. */
  tenantsChanged: () => Promise<void>;
  /** Deliveries went into the outbox: publish them now rather than at the next round. */
  onQueued: () => void;
  /** The caller's trace, kept with what is queued. */
  traceContext: () => TraceContext;
  /** Where dead deliveries' letters go (dispatch). */
  deadLetter: (letter: DeadLetter) => Promise<void>;
  observe: (channel: Channel, outcome: "sent" | "suppressed" | "retry" | "dead", seconds?: number) => void;
  /** A tenant's settings as last loaded (its required categories and default preferences); undefined: none. */
  tenantSettings: (tenantId: string) => TenantSettings | undefined;
  /** The workflows wing, as the use cases reach it. */
  workflows: WorkflowHooks;
  /** What GetPipelineHealth reads from this process (metrics, JetStream, open streams). */
  pipeline: PipelineProbes;
  /** Group commit of Sends; null writes each alone. */
  sendGroupCommit?: SendNotificationDeps["groupCommit"];
  /** What SendBatch and SendStream may hold. */
  sendMany: Omit<SendManyDeps, "send">;
  /** Fan-outs: sizes and bounds, and what to wake when there is work. */
  fanout: {
    chunkSize: number;
    chunksPerRound: number;
    maxInFlightPerSender: number;
    /** Takes a fan-out's audience from its tenant's notifications per day (null: not limited). */
    chargeNotifications: StartFanoutDeps["chargeNotifications"];
    /** The tenant's own FANOUTS_IN_FLIGHT_PER_TENANT (its settings, or the deployment's). */
    maxInFlightPerTenant: (tenantId: string) => number;
    onStarted: () => void;
    onChunks: () => void;
  };
  settings: {
    requiredCategories: readonly string[];
    retry: RetryPolicy;
    /** Longest a provider call may take; a lease lasts twice as long. */
    deliveryTimeoutMs: number;
    feedHeartbeatMs: number;
    /** Most notifications one snooze-return or expiry sweep round takes. */
    inboxTimersBatch: number;
    maxPreferenceCategoriesPerUser: number;
    maxDevicesPerUser: number;
    templateMaxExpressions: number;
    webhookSecretGraceHours: number;
    /** The VAPID public key browsers subscribe with (GetWebPushKey); "" when web push is off. */
    webPushPublicKey: string;
    workflowMaxCount: number;
    /** Most topics at once (TOPICS_MAX). */
    topicsMax: number;
    /** Most members of one topic (TOPIC_MAX_SUBSCRIBERS). */
    topicMaxSubscribers: number;
  };
}

/** What Send, MarkRead and Cancel ask of the workflows wing (bound late: the wing takes the deliver step built here). */
export interface WorkflowHooks {
  find: (tenantId: string, name: string, category: string) => Promise<Workflow | null>;
  onRunsStarted: () => void;
  now: () => Date;
  settle: (tx: Queryable, changed: ChangedState, change: ChangeKind) => Promise<void>;
  cancelNotification: (tx: Queryable, notificationId: string) => Promise<number>;
  /** CancelWorkflows: every unfinished run of the tenant sent with this key, for these users (or all). */
  cancelByKey: (tenantId: string, cancellationKey: string, userIds: readonly string[]) => Promise<number>;
  /** A workflow of this tenant was stored or deleted here. */
  changed: (tenantId: string) => void;
}

/** Builds every use case: what the API can ask of Herald, and the delivery of queued messages. */
export function createUseCases(d: UseCaseDeps) {
  const { db, settings } = d;
  const prepare = createPrepareDeliveries({
    renderer: d.renderer,
    db,
    endpoints: d.endpoints,
    preferences: d.preferences,
    catalog: d.channels.catalog,
    requiredCategories: settings.requiredCategories,
    tenantSettings: d.tenantSettings,
  });
  const deliveries = createManageDeliveries({
    db,
    onQueued: d.onQueued,
    traceContext: d.traceContext,
    cancelRuns: d.workflows.cancelNotification,
  });
  const sendDeps = {
    db,
    prepare,
    publish: d.feed.publish,
    channels: d.channels.available,
    onQueued: d.onQueued,
    observe: d.observe,
    traceContext: d.traceContext,
    findWorkflow: d.workflows.find,
    onRunsStarted: d.workflows.onRunsStarted,
    now: d.workflows.now,
    cancelRuns: d.workflows.cancelNotification,
  };
  const send = createSendNotification({ ...sendDeps, groupCommit: d.sendGroupCommit ?? null });
  // Fan-out chunks write alone, on their own connections (FANOUT_CONCURRENCY):
  // in the Sends' group commit they would hold its few statement slots for a
  // thousand rows at a time while API callers' Sends wait behind them.
  const sendChunk = createSendNotification({ ...sendDeps, groupCommit: null });
  const startFanout = createStartFanout({
    db,
    channels: d.channels.available,
    findWorkflow: d.workflows.find,
    maxInFlightPerSender: d.fanout.maxInFlightPerSender,
    maxInFlightPerTenant: d.fanout.maxInFlightPerTenant,
    chargeNotifications: d.fanout.chargeNotifications,
    onStarted: d.fanout.onStarted,
  });
  // Send as the API sees it: to users now, or to topics and everyone as a fan-out.
  const sendAny = async (principal: Principal, draft: NotificationDraft) =>
    isFanout(draft)
      ? { notifications: [], fanoutId: await startFanout(principal, draft) }
      : { notifications: await send(principal, draft), fanoutId: "" };
  const api = {
    send: sendAny,
    sendMany: createSendMany({ send: sendAny, ...d.sendMany }),
    fanouts: createFanoutProgress({ db }),
    getNotification: createGetNotification({ db, catalog: d.channels.catalog }),
    list: createListNotifications({ db }),
    mark: createMarkNotifications({ db, publish: d.feed.publish, settle: d.workflows.settle }),
    update: createUpdateNotification({ db, publish: d.feed.publish }),
    retract: createRetractNotification({ db, publish: d.feed.publish, cancelRuns: d.workflows.cancelNotification }),
    snooze: createSnoozeNotifications({ db, publish: d.feed.publish }),
    interact: createInteractNotification({ db, publish: d.feed.publish, settle: d.workflows.settle }),
    preferences: createManagePreferences({
      db,
      preferences: d.preferences,
      maxCategories: settings.maxPreferenceCategoriesPerUser,
      channels: d.channels.available,
    }),
    subscribe: createSubscribeFeed({ feeds: d.feed.reads, hub: d.feed.hub, catchUpWaitMs: settings.feedHeartbeatMs }),
    deliveries,
    operator: {
      whoAmI: callerOf,
      search: createOperatorSearch({ db }),
      life: createOperatorLife({ db, catalog: d.channels.catalog }),
      retry: createOperatorRetry({ db, retry: deliveries.retry }),
      health: createOperatorHealth({ db, channels: d.channels.available, probes: d.pipeline }),
    },
    recipients: createManageRecipients({
      db,
      erased: (tenantId, userId) => d.preferences.changed(tenantId, userId),
      tokensRevoked: d.tokensRevoked,
      maxDevices: settings.maxDevicesPerUser,
      catalog: d.channels.catalog,
      webPushPublicKey: settings.webPushPublicKey,
    }),
    templates: createManageTemplates({
      db,
      maxExpressions: settings.templateMaxExpressions,
      catalog: d.channels.catalog,
    }),
    previewTemplate: createPreviewTemplate({
      renderer: d.renderer,
      catalog: d.channels.catalog,
      maxExpressions: settings.templateMaxExpressions,
    }),
    webhooks: createManageWebhooks({
      db,
      endpoints: d.endpoints,
      catalog: d.channels.catalog,
      settings: { secretGraceHours: settings.webhookSecretGraceHours },
    }),
    webhookOperations: createWebhookOperations({
      db,
      endpoints: d.endpoints,
      onQueued: d.onQueued,
      traceContext: d.traceContext,
    }),
    topics: createManageTopics({
      db,
      maxTopics: settings.topicsMax,
      maxSubscribers: settings.topicMaxSubscribers,
    }),
    tenants: createManageTenants({ db, changed: d.tenantsChanged }),
    workflows: createManageWorkflows({
      db,
      channels: d.channels.available,
      maxCount: settings.workflowMaxCount,
      checkCondition: (expression, field) => void compileCondition(expression, field),
      cancelRuns: d.workflows.cancelByKey,
      onChanged: d.workflows.changed,
    }),
  };
  const deliver = createDeliverMessage({
    db,
    deliverers: d.channels.deliverers,
    preferences: d.preferences,
    requiredCategories: settings.requiredCategories,
    tenantSettings: d.tenantSettings,
    deadLetter: d.deadLetter,
    publish: d.feed.publish,
    observe: d.observe,
    timing: { ...settings.retry, leaseMs: leaseMs(settings.deliveryTimeoutMs), timeoutMs: settings.deliveryTimeoutMs },
  });
  return {
    api,
    deliver,
    workflowDeliveries: createWorkflowDeliveries({ prepare }),
    planFanout: createPlanFanout({ db, ...d.fanout }),
    returnSnoozed: createReturnSnoozed({ db, publish: d.feed.publish, batch: settings.inboxTimersBatch }),
    expireNotifications: createExpireNotifications({ db, publish: d.feed.publish, batch: settings.inboxTimersBatch }),
    expandFanoutChunk: createExpandFanoutChunk({ db, send: sendChunk, onSettled: d.fanout.onChunks }),
  };
}

/** Everything the API can ask of Herald. */
export type UseCases = ReturnType<typeof createUseCases>["api"];

/**
 * How long a worker holds a delivery: longer than the provider call (twice
 * over, for the database work around it), so only a worker that died loses one.
 */
export function leaseMs(deliveryTimeoutMs: number): number {
  return Math.max(1_000, 2 * deliveryTimeoutMs);
}
