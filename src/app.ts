import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { buildServer } from "./api/build-server.js";
import { createConsoleRoutes } from "./api/console-routes.js";
import type { HttpRoutes } from "./api/http-server.js";
import { createAuth } from "./auth/create-auth.js";
import { createTenantDirectory, type TenantDirectory } from "./auth/tenant-directory.js";
import { endpointReports } from "./channels/endpoint-reports.js";
import { channelModules, createChannels } from "./channels/registry.js";
import type { WebhookSettings } from "./channels/webhook.js";
import type { WebPushSettings } from "./channels/webpush.js";
import { publicConsoleOidc } from "./config/console-oidc.js";
import type { Config } from "./config.js";
import { startScheduler } from "./dispatch/scheduler.js";
import { startDelivery } from "./dispatch/start-delivery.js";
import { createWebhookEventRelay } from "./dispatch/webhook-event-relay.js";
import type { Channel } from "./domain/channel.js";
import { type Clock, systemClock } from "./domain/clock.js";
import { createRetryPolicy } from "./domain/retry-policy.js";
import { createFeed, type Feed } from "./feed/create-feed.js";
import { createEventStream } from "./feed/event-stream.js";
import { createBroadcast } from "./messaging/broadcast.js";
import { connectNats, type NatsLink } from "./messaging/nats.js";
import { createRateLimits } from "./ratelimit/rate-limits.js";
import { channelStore } from "./store/channel-store.js";
import { createDatabase, type Database } from "./store/database.js";
import { eventLog } from "./store/event-log.js";
import { housekeepingTasks } from "./store/housekeeping.js";
import { migrate } from "./store/migrator.js";
import { createPreferenceCache } from "./store/preference-cache.js";
import { tenantStore } from "./store/tenant-store.js";
import { createWebhookEndpointStore } from "./store/webhook-endpoint-store.js";
import { createWorkflowVersions, tenantOfWorkflowsChanged, workflowsChangedText } from "./store/workflow-versions.js";
import type { Logger } from "./telemetry/logger.js";
import { createMetrics, serveMetrics } from "./telemetry/metrics.js";
import { traceHeaders } from "./telemetry/propagation.js";
import { createContentRenderer } from "./templates/content-renderer.js";
import { createUseCases, leaseMs } from "./usecases/index.js";
import { createManageApiKeys } from "./usecases/manage-api-keys.js";
import { deliveryCounters } from "./usecases/operator-health.js";
import { createWatchEvents } from "./usecases/watch-events.js";
import { createWorkflows, registerWorkflowGauges } from "./workflows/create-workflows.js";

export type { HttpRoutes };

export interface App {
  /** Starts serving; resolves with the bound address. */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Open Subscribe streams in this process. */
  hub: Feed["hub"];
  db: Database;
  /** Which tenants this process knows of. */
  tenants: TenantDirectory;
  nats: NatsLink;
  /** Channels this server delivers on. */
  channels: readonly Channel[];
  /** Port of the Prometheus endpoint, or null when metrics are off. */
  metricsPort: number | null;
  /**
   * Graceful stop: ends streams, stops workers and background rounds, closes
   * connections. `onStage` hears each stage as it begins (a stuck shutdown then
   * says what it was waiting for).
   */
  close(onStage?: (stage: string) => void): Promise<void>;
}

/** The composition root: connects the wings (store, NATS, feed, auth, channels, dispatch, use cases, API). */
export async function createApp(
  config: Config,
  logger: Logger,
  options: { extraRoutes?: HttpRoutes; clock?: Clock } = {},
): Promise<App> {
  const { nats: natsConfig, delivery: deliveryConfig, telemetry } = config;
  // First, so a console that does not build stops the start before anything is opened.
  const consoleRoutes = config.console.enabled
    ? await createConsoleRoutes({ traceUrl: config.console.traceUrl, oidc: publicConsoleOidc(config.auth.consoleOidc) })
    : null;
  const extraRoutes = [consoleRoutes, options.extraRoutes].filter((r) => r !== null && r !== undefined);
  if (config.postgres.migrateOnStart) {
    const applied = await migrate(config.postgres.url);
    if (applied.length > 0) logger.info({ applied }, "migrations applied");
  }
  const db = createDatabase({
    url: config.postgres.url,
    poolMax: config.postgres.poolMax,
    poolMin: config.postgres.poolMin,
  });
  await channelStore.register(
    db,
    channelModules.map((m) => m.id),
  );
  const bootstrap = config.auth.apiKeys.bootstrap;
  if (bootstrap !== null)
    logger.info({ keyId: await createManageApiKeys({ db }).ensureBootstrap(bootstrap) }, "bootstrap API key ensured");
  const link = connectNats({ url: natsConfig.url, name: "herald", logger });
  const broadcast = (topic: string) => createBroadcast(link, `${natsConfig.prefix}.${topic}`, logger);
  const metrics = createMetrics({ refreshIntervalMs: telemetry.metricsRefreshIntervalMs });
  const feed = createFeed({ ...config.feed, db, link, prefix: natsConfig.prefix, metrics, logger });
  const events = createEventStream({
    ...config.events,
    db,
    headMoved: broadcast("events.head"),
    pollMs: config.events.pollIntervalMs,
    logger,
  });
  const tenants = createTenantDirectory({
    load: () => tenantStore.all(db),
    refreshMs: 5_000,
    broadcast: broadcast("tenants.changed"),
    logger,
  });
  await tenants.ready;
  const auth = await createAuth({
    ...config.auth,
    db,
    broadcast: broadcast("tokens.revoked"),
    onRevoked: (tenantId, userId) => feed.hub.end(tenantId, userId),
    tenantExists: tenants.exists,
    logger,
  });
  const rateLimits = createRateLimits(config.limits, tenants.limits, natsConfig.prefix, link, logger);
  const endpoints = createWebhookEndpointStore();
  const channels = createChannels(config.channels, {
    db,
    endpoints,
    egress: config.egress,
    timeoutMs: deliveryConfig.timeoutMs,
    tenantSettings: tenants.settings,
    ...endpointReports(metrics, logger),
    failover: {
      failureThreshold: deliveryConfig.providerFailureThreshold,
      cooldownMs: deliveryConfig.providerCooldownMs,
      onCall: (channel, provider, outcome) => metrics.observeProviderCall(channel, provider, outcome),
      onCircuit: (channel, provider, open, reason) =>
        open
          ? logger.warn({ channel, provider, reason }, "provider failing: skipped while others answer")
          : logger.info({ channel, provider }, "provider answering again"),
    },
  });
  metrics.readCircuits(channels.circuits);
  const preferences = createPreferenceCache({ db, broadcast: broadcast("prefs.changed") });
  const clock = options.clock ?? systemClock;
  const workflowVersions = createWorkflowVersions(db, { patternsTtlMs: config.workflows.patternsTtlMs });
  const workflowsChanged = broadcast("workflows.changed");
  workflowsChanged.listen((text) => workflowVersions.changed(tenantOfWorkflowsChanged(text)));
  const { api, deliver, workflowDeliveries, planFanout, expandFanoutChunk, returnSnoozed, expireNotifications } =
    createUseCases({
      db,
      channels,
      endpoints,
      preferences,
      renderer: createContentRenderer({ ...config.templates, db, contents: channels.catalog }),
      feed,
      tokensRevoked: auth.revoked,
      tenantsChanged: tenants.changed,
      tenantSettings: tenants.settings,
      onQueued: () => scheduler.kick("outbox-relay"),
      traceContext: traceHeaders,
      sendMany: {
        window: config.send.streamWindow,
        maxStreamsPerSender: config.send.maxStreamsPerSender,
        maxStreams: config.send.maxStreams,
        streamIdleMs: config.send.streamIdleMs,
      },
      fanout: {
        ...config.fanout,
        chargeNotifications: rateLimits.chargeNotifications,
        maxInFlightPerTenant: (tenantId) =>
          tenants.limits(tenantId)?.fanoutsInFlight || config.fanout.maxInFlightPerTenant,
        onStarted: () => scheduler.kick("fanout-planner"),
        onChunks: () => scheduler.kick("fanout-relay"),
      },
      sendGroupCommit: config.send.groupCommit ? { ...config.send, onBatch: (n) => metrics.observeSendBatch(n) } : null,
      deadLetter: (letter) => delivery.deadLetter(letter),
      pipeline: {
        counters: async () => deliveryCounters(await metrics.deliveryTotals()),
        consumerPending: () => delivery.consumerPending(),
        openStreams: () => feed.hub.size(),
        processId: `${hostname()}:${process.pid}`,
      },
      observe: (channel, outcome, seconds) => metrics.observeDelivery(channel, outcome, seconds),
      workflows: {
        find: workflowVersions.forSend,
        onRunsStarted: () => scheduler.kick(workflows.taskNames[0] as string),
        now: () => clock.now(),
        settle: (tx, changed, change) => workflows.settle(tx, changed, change),
        cancelNotification: (tx, id) => workflows.cancelNotification(tx, id),
        cancelByKey: (tenantId, key, userIds) => workflows.cancelByKey(tenantId, key, userIds),
        changed: (tenantId) => {
          workflowVersions.changed(tenantId);
          workflowsChanged.send(workflowsChangedText(tenantId));
        },
      },
      settings: {
        ...config.limits,
        ...config.topics,
        requiredCategories: deliveryConfig.requiredCategories,
        retry: createRetryPolicy(deliveryConfig.retryScheduleMs),
        deliveryTimeoutMs: deliveryConfig.timeoutMs,
        feedHeartbeatMs: config.feed.heartbeatMs,
        inboxTimersBatch: config.feed.timersBatch,
        templateMaxExpressions: config.templates.maxExpressions,
        webhookSecretGraceHours: (config.channels.webhook as WebhookSettings).secretGraceHours,
        webPushPublicKey: (config.channels.webpush as WebPushSettings | null)?.vapid.publicKey ?? "",
      },
    });
  const delivery = startDelivery({
    link,
    db,
    prefix: natsConfig.prefix,
    streamReplicas: natsConfig.streamReplicas,
    channels: channels.available,
    deliver,
    expandChunk: expandFanoutChunk,
    planFanout,
    relayIntervalMs: deliveryConfig.outboxRelayIntervalMs,
    fanout: config.fanout,
    settings: { ...deliveryConfig, leaseMs: leaseMs(deliveryConfig.timeoutMs) },
    onPoison: () => metrics.observePoison(),
    logger,
  });
  const workflows = createWorkflows({
    db,
    clock,
    loadWorkflow: workflowVersions.version,
    deliver: workflowDeliveries,
    requiredCategories: deliveryConfig.requiredCategories,
    tenantSettings: tenants.settings,
    settings: config.workflows,
    onQueued: () => scheduler.kick("outbox-relay"),
    observeLag: (seconds) => metrics.observeTimerLag(seconds),
    logger,
  });
  const webhookSettings = config.channels.webhook as WebhookSettings;
  const webhookEvents = createWebhookEventRelay({
    db,
    batch: webhookSettings.eventsBatch,
    intervalMs: webhookSettings.eventsIntervalMs,
    onQueued: () => scheduler.kick("outbox-relay"),
  });
  const scheduler = startScheduler(
    [
      ...delivery.tasks,
      ...workflows.tasks,
      ...feed.tasks,
      { name: "return-snoozed", everyMs: config.feed.timersIntervalMs, run: returnSnoozed },
      { name: "expire-notifications", everyMs: config.feed.timersIntervalMs, run: expireNotifications },
      ...events.tasks,
      webhookEvents.task,
      ...auth.tasks,
      ...housekeepingTasks(db, { ...config.topics, fanoutRetentionDays: config.fanout.retentionDays }),
    ],
    logger,
  );
  delivery.registerGauges(metrics);
  webhookEvents.registerGauges(metrics);
  registerWorkflowGauges(metrics, workflows.timerStats);
  const metricsServer = telemetry.metricsEnabled
    ? await serveMetrics(metrics, telemetry.metricsPort, telemetry.metricsHost)
    : null;
  const server = buildServer({
    server: config.server,
    limits: config.limits,
    rateLimits,
    natsPrefix: natsConfig.prefix,
    useCases: api,
    watchEvents: createWatchEvents({
      log: { head: () => eventLog.head(db), after: (...args) => eventLog.after(db, ...args) },
      wake: events.wake,
      tenantExists: tenants.exists,
      heartbeatMs: config.feed.heartbeatMs,
      pageSize: config.events.pageSize,
    }),
    authenticate: auth.authenticate,
    checks: {
      postgres: async () => (await db.rows("SELECT 1")).length === 1,
      nats: () => link.isConnected(),
      delivery: delivery.state,
    },
    link,
    metrics,
    ...(extraRoutes.length > 0 && { extraRoutes: (req, res) => extraRoutes.some((routes) => routes(req, res)) }),
    logger,
  });

  return {
    listen: (port, host) => server.listen(port, host),
    hub: feed.hub,
    db,
    tenants,
    nats: link,
    channels: channels.available,
    metricsPort: metricsServer?.port ?? null,
    async close(onStage = () => undefined) {
      onStage("ending streams");
      await feed.close();
      events.close();
      onStage("closing the server");
      await server.close(config.server.shutdownTimeoutMs);
      onStage("stopping background rounds");
      await scheduler.stop();
      auth.stop();
      tenants.stop();
      rateLimits.stop();
      onStage("stopping delivery workers");
      await delivery.stop();
      channels.close();
      onStage("draining NATS");
      await link.close();
      metrics.close();
      onStage("closing the Postgres pool");
      await db.close();
      onStage("closing the metrics server");
      await metricsServer?.close();
    },
  };
}
