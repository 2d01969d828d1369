import type { AddressInfo } from "node:net";
import { buildServer } from "./api/build-server.js";
import type { HttpRoutes } from "./api/http-server.js";
import { createAuth } from "./auth/create-auth.js";
import { configureChannels } from "./channels/configured-channels.js";
import type { Config } from "./config.js";
import { startScheduler } from "./dispatch/scheduler.js";
import { startDelivery } from "./dispatch/start-delivery.js";
import type { Channel } from "./domain/notification.js";
import { createRetryPolicy } from "./domain/retry-policy.js";
import { createFeed, type Feed } from "./feed/create-feed.js";
import { createBroadcast } from "./messaging/broadcast.js";
import { connectNats, type NatsLink } from "./messaging/nats.js";
import { createDatabase, type Database } from "./store/database.js";
import { housekeepingTasks } from "./store/housekeeping.js";
import { migrate } from "./store/migrator.js";
import { createPreferenceCache } from "./store/preference-cache.js";
import { createWebhookEndpointStore } from "./store/webhook-endpoint-store.js";
import type { Logger } from "./telemetry/logger.js";
import { createMetrics, serveMetrics } from "./telemetry/metrics.js";
import { traceHeaders } from "./telemetry/propagation.js";
import { createContentRenderer } from "./templates/content-renderer.js";
import { createUseCases, leaseMs } from "./usecases/index.js";
import { createManageApiKeys } from "./usecases/manage-api-keys.js";

export type { HttpRoutes };

export interface App {
  /** Starts serving; resolves with the bound address. */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Open Subscribe streams in this process. */
  hub: Feed["hub"];
  db: Database;
  nats: NatsLink;
  /** Channels this server delivers on. */
  channels: readonly Channel[];
  /** Port of the Prometheus endpoint, or null when metrics are off. */
  metricsPort: number | null;
  /** Graceful stop: ends streams, stops workers and background rounds, closes connections. */
  close(): Promise<void>;
}

/** The composition root: connects the wings (store, NATS, feed, auth, channels, dispatch, use cases, API). */
export async function createApp(
  config: Config,
  logger: Logger,
  options: { extraRoutes?: HttpRoutes } = {},
): Promise<App> {
  if (config.migrateOnStart) {
    const applied = await migrate(config.databaseUrl);
    if (applied.length > 0) logger.info({ applied }, "migrations applied");
  }
  const db = createDatabase({ url: config.databaseUrl, poolMax: config.databasePoolMax });
  if (config.bootstrapApiKey !== null) {
    logger.info(
      { keyId: await createManageApiKeys({ db }).ensureBootstrap(config.bootstrapApiKey) },
      "bootstrap API key ensured",
    );
  }
  const link = connectNats({ url: config.natsUrl, name: "herald", logger });
  const metrics = createMetrics({ refreshIntervalMs: config.metricsRefreshIntervalMs });
  const feed = createFeed({
    db,
    link,
    prefix: config.natsPrefix,
    heartbeatMs: config.feedHeartbeatMs,
    maxStreamsPerUser: config.feedMaxStreamsPerUser,
    maxStreams: config.feedMaxStreams,
    readConcurrency: config.feedReadConcurrency,
    readQueueMax: config.feedReadQueueMax,
    retentionDays: config.feedRetentionDays,
    metrics,
    logger,
  });
  const auth = await createAuth({
    db,
    broadcast: createBroadcast(link, `${config.natsPrefix}.tokens.revoked`, logger),
    apiKeys: {
      cacheTtlMs: config.apiKeyCacheTtlMs,
      lookupConcurrency: config.apiKeyLookupConcurrency,
      lookupQueueMax: config.apiKeyLookupQueueMax,
    },
    userTokens: {
      secret: config.userTokenSecret,
      jwksUrl: config.userTokenJwksUrl,
      issuer: config.userTokenIssuer,
      audience: config.userTokenAudience,
      maxTtlMs: config.userTokenMaxTtlMs,
      revocationRefreshMs: config.userTokenRevocationRefreshMs,
    },
    onRevoked: (userId) => feed.hub.end(userId),
    logger,
  });
  const endpoints = createWebhookEndpointStore();
  const channels = configureChannels(config, { db, endpoints });
  const preferences = createPreferenceCache({
    db,
    broadcast: createBroadcast(link, `${config.natsPrefix}.prefs.changed`, logger),
  });
  const { api, deliver } = createUseCases({
    db,
    channels,
    endpoints,
    preferences,
    renderer: createContentRenderer({
      db,
      defaultLocale: config.defaultLocale,
      limits: {
        maxMs: config.templateRenderBudgetMs,
        maxIterations: config.templateRenderMaxIterations,
        maxDataChars: config.templateRenderMaxBytes,
      },
      maxExpressions: config.templateMaxExpressions,
    }),
    feed,
    tokensRevoked: auth.revoked,
    onQueued: () => scheduler.kick("outbox-relay"),
    traceContext: traceHeaders,
    deadLetter: (letter) => delivery.deadLetter(letter),
    observe: (channel, outcome, seconds) => metrics.observeDelivery(channel, outcome, seconds),
    settings: {
      ...config,
      retry: createRetryPolicy(config.retryScheduleMs),
      deliveryTimeoutMs: config.deliveryTimeoutMs,
      maxPreferenceCategoriesPerUser: config.maxPreferenceCategoriesPerUser,
    },
  });
  const delivery = startDelivery({
    link,
    db,
    prefix: config.natsPrefix,
    channels: channels.available,
    deliver,
    settings: {
      workersEnabled: config.workersEnabled,
      concurrency: config.deliveryConcurrency,
      leaseMs: leaseMs(config.deliveryTimeoutMs),
    },
    onPoison: () => metrics.observePoison(),
    logger,
  });
  const scheduler = startScheduler(
    [
      {
        name: "outbox-relay",
        everyMs: config.outboxRelayIntervalMs,
        run: async () => (await delivery.relayOnce()) > 0,
      },
      ...feed.tasks,
      ...auth.tasks,
      ...housekeepingTasks(db),
    ],
    logger,
  );
  delivery.registerGauges(metrics);
  const metricsServer = config.metricsEnabled
    ? await serveMetrics(metrics, config.metricsPort, config.metricsHost)
    : null;
  const server = buildServer({
    settings: config,
    useCases: api,
    authenticate: auth.authenticate,
    checks: {
      postgres: async () => (await db.rows("SELECT 1")).length === 1,
      nats: () => link.isConnected(),
      delivery: delivery.state,
    },
    link,
    metrics,
    ...(options.extraRoutes !== undefined && { extraRoutes: options.extraRoutes }),
    logger,
  });

  return {
    listen: (port, host) => server.listen(port, host),
    hub: feed.hub,
    db,
    nats: link,
    channels: channels.available,
    metricsPort: metricsServer?.port ?? null,
    async close() {
      await feed.close();
      await server.close(config.shutdownTimeoutMs);
      await scheduler.stop();
      auth.stop();
      await delivery.stop();
      channels.close();
      await link.close();
      metrics.close();
      await db.close();
      await metricsServer?.close();
    },
  };
}
