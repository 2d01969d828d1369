import { setMaxListeners } from "node:events";
import type http from "node:http";
import type http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, type ConnectRouter, type ServiceImpl } from "@connectrpc/connect";
import { createValidateInterceptor } from "@connectrpc/validate";
import type { NatsConnection } from "@nats-io/transport-node";
import { Health } from "../gen/ts/grpc/health/v1/health_pb.js";
import { ServerReflection as ServerReflectionV1 } from "../gen/ts/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1Alpha } from "../gen/ts/grpc/reflection/v1alpha/reflection_pb.js";
import { NotificationService } from "../gen/ts/herald/v1/notification_service_pb.js";
import { RecipientService } from "../gen/ts/herald/v1/recipient_service_pb.js";
import { TemplateService } from "../gen/ts/herald/v1/template_service_pb.js";
import { WebhookService } from "../gen/ts/herald/v1/webhook_service_pb.js";
import { createAbusePenalty } from "./api/abuse-penalty.js";
import { createCorsHandler } from "./api/cors.js";
import { edgeErrorInterceptor } from "./api/edge-error.js";
import { createGrpcJsServer } from "./api/grpc-js-server.js";
import { healthRoutes, healthService } from "./api/health.js";
import { type ConnectionLimits, createHttpServer, type HttpHandler } from "./api/http-server.js";
import { authInterceptor, errorInterceptor, observabilityInterceptor } from "./api/interceptors.js";
import { notificationService } from "./api/notification-service.js";
import { rateLimitInterceptor } from "./api/rate-limit-interceptor.js";
import { recipientService } from "./api/recipient-service.js";
import { reflectionServices } from "./api/reflection.js";
import { requestShapeInterceptor } from "./api/request-shape-interceptor.js";
import { createRpcHandler } from "./api/rpc-handler.js";
import { type ServiceEntry, serviceEntry } from "./api/service-entry.js";
import { templateService } from "./api/template-service.js";
import { webhookService } from "./api/webhook-service.js";
import { createApiKeyVerifier } from "./auth/api-key-verifier.js";
import { createAuthenticator } from "./auth/authenticate.js";
import { announcement, createTokenRevocations, type TokenRevocations } from "./auth/token-revocations.js";
import { createUserTokenVerifier } from "./auth/user-tokens.js";
import { type ConfiguredChannels, configureChannels } from "./channels/configured-channels.js";
import { createInAppChannel, type InAppChannel } from "./channels/in-app-channel.js";
import type { Config } from "./config.js";
import { startDispatch } from "./dispatch/dispatch-runtime.js";
import { type Scheduler, startScheduler } from "./dispatch/scheduler.js";
import type { Channel, Notification } from "./domain/notification.js";
import { isDeliveryWanted } from "./domain/preferences.js";
import { createFeedHub, type FeedHub } from "./feed/feed-hub.js";
import { createFeedPublisher } from "./feed/feed-publisher.js";
import { createFeedReads, type FeedReads } from "./feed/feed-reads.js";
import { createReadQueue } from "./feed/read-queue.js";
import { connectNats, type NatsLink } from "./messaging/nats.js";
import { createRateLimiter } from "./ratelimit/rate-limiter.js";
import { shareUsage } from "./ratelimit/usage-sharing.js";
import { createDatabase, createTransactor, type Database, type Transactor } from "./store/database.js";
import { migrate } from "./store/migrator.js";
import { createPreferenceCache, type PreferenceCache } from "./store/preference-cache.js";
import { createStores, type Stores } from "./store/stores.js";
import type { Logger } from "./telemetry/logger.js";
import { createMetrics, serveMetrics } from "./telemetry/metrics.js";
import { createContentRenderer } from "./templates/content-renderer.js";
import { createGetNotification } from "./usecases/get-notification.js";
import type { UseCases } from "./usecases/index.js";
import { createListNotifications } from "./usecases/list-notifications.js";
import { createManageApiKeys } from "./usecases/manage-api-keys.js";
import { createManageDeliveries } from "./usecases/manage-deliveries.js";
import { createManagePreferences } from "./usecases/manage-preferences.js";
import { createManageRecipients } from "./usecases/manage-recipients.js";
import { createManageTemplates } from "./usecases/manage-templates.js";
import { createManageWebhooks } from "./usecases/manage-webhooks.js";
import { createMarkNotifications } from "./usecases/mark-notifications.js";
import { createPrepareDeliveries } from "./usecases/prepare-deliveries.js";
import { createSendNotification } from "./usecases/send-notification.js";
import { createSubscribeFeed } from "./usecases/subscribe-feed.js";

export interface App {
  /** Starts serving; resolves with the bound address. */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Open Subscribe streams in this process. */
  hub: FeedHub;
  db: Database;
  nats: NatsLink;
  /** Channels this server delivers on. */
  channels: readonly Channel[];
  /** Port of the Prometheus endpoint, or null when metrics are off. */
  metricsPort: number | null;
  /** Graceful stop: ends streams, stops workers and background rounds, closes connections. */
  close(): Promise<void>;
}

/**
 * HTTP routes outside the RPC services (paths RPCs never use, such as `/` or
 * `/healthz`); returns true when it answered the request.
 */
export type HttpRoutes = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => boolean;

/** Services callers reach without credentials. */
const openServices = new Set([Health.typeName, ServerReflectionV1.typeName, ServerReflectionV1Alpha.typeName]);

export interface AppOptions {
  /** Extra HTTP routes (the development server's demo pages). */
  extraRoutes?: HttpRoutes;
}

/** The composition root: wires store, NATS, channels, dispatch and use cases into a server. */
export async function createApp(config: Config, logger: Logger, options: AppOptions = {}): Promise<App> {
  const db = createDatabase({ url: config.databaseUrl, poolMax: config.databasePoolMax });
  let nats: NatsLink | undefined;
  try {
    if (config.migrateOnStart) {
      const applied = await migrate(db);
      if (applied.length > 0) logger.info({ applied }, "migrations applied");
    }
    const stores = createStores(db);
    if (config.bootstrapApiKey !== null) {
      const id = await createManageApiKeys({ keys: stores.apiKeys }).ensureBootstrap(config.bootstrapApiKey);
      logger.info({ keyId: id }, "bootstrap API key ensured");
    }
    const link = connectNats({ url: config.natsUrl, name: "herald", logger });
    nats = link;
    const tx = createTransactor(db);

    const metrics = createMetrics({ refreshIntervalMs: config.metricsRefreshIntervalMs });
    const feedQueue = createReadQueue({ concurrency: config.feedReadConcurrency, maxWaiting: config.feedReadQueueMax });
    const feedReads = createFeedReads({ store: stores.feeds, queue: feedQueue, logger });
    const hub = createFeedHub({
      nc: link.ready,
      prefix: config.natsPrefix,
      heads: (userIds) => feedReads.heads(userIds),
      heartbeatMs: config.feedHeartbeatMs,
      maxPerUser: config.feedMaxStreamsPerUser,
      maxTotal: config.feedMaxStreams,
      logger,
    });
    const inApp = createInAppChannel({
      feeds: stores.feeds,
      notifications: stores.notifications,
      publish: createFeedPublisher({ nc: link.current, prefix: config.natsPrefix, logger }),
    });
    const channels = configureChannels(config, stores);
    const prefsChanged = `${config.natsPrefix}.prefs.changed`;
    const preferences = createPreferenceCache({
      store: stores.preferences,
      announce: (userId) => link.current()?.publish(prefsChanged, userId),
    });
    void link.ready.then((nc) =>
      nc.subscribe(prefsChanged, {
        callback: (error, msg) => {
          if (error === null) preferences.invalidate(msg.string());
        },
      }),
    );
    const tokensRevoked = `${config.natsPrefix}.tokens.revoked`;
    const revocations = createTokenRevocations({
      load: (since) => stores.recipients.tokenRevocations(since),
      refreshMs: config.userTokenRevocationRefreshMs,
      maxTtlMs: config.userTokenMaxTtlMs,
      announce: (userId, before) => link.current()?.publish(tokensRevoked, announcement(userId, before)),
      onRevoked: (userId) => hub.end(userId),
      logger,
    });
    void link.ready.then((nc) =>
      nc.subscribe(tokensRevoked, {
        callback: (error, msg) => {
          if (error === null) revocations.heard(msg.string());
        },
      }),
    );
    await revocations.ready;
    const isWanted = async (n: Notification, channel: Channel) => {
      const prefs = (await preferences.forCategory([n.userId], n.category)).get(n.userId);
      return prefs === undefined || isDeliveryWanted(prefs, n, channel, config.requiredCategories);
    };
    const dispatch = startWhenReady(link, logger, (nc) =>
      startDispatch({
        nc,
        prefix: config.natsPrefix,
        db: tx,
        deliveries: stores.deliveries,
        inApp,
        deliverers: channels.deliverers,
        isWanted,
        observe: (channel, outcome, seconds) => metrics.observeDelivery(channel, outcome, seconds),
        settings: {
          workersEnabled: config.workersEnabled,
          concurrency: config.deliveryConcurrency,
          timeoutMs: config.deliveryTimeoutMs,
          retryScheduleMs: config.retryScheduleMs,
        },
        logger,
      }),
    );

    const hour = 3_600_000;
    const scheduler: Scheduler = startScheduler(
      [
        {
          name: "outbox-relay",
          everyMs: config.outboxRelayIntervalMs,
          run: async () => {
            const running = dispatch.current();
            return running !== null && (await running.relay.runOnce()) > 0;
          },
        },
        {
          name: "prune-feed-events",
          everyMs: hour,
          run: async () => (await stores.feeds.prune(config.feedRetentionDays)) > 0,
        },
        { name: "prune-idempotency-keys", everyMs: hour, run: async () => (await stores.idempotency.prune()) > 0 },
        {
          name: "prune-token-revocations",
          everyMs: hour,
          run: async () =>
            (await stores.recipients.pruneTokenRevocations(new Date(Date.now() - config.userTokenMaxTtlMs - hour))) > 0,
        },
      ],
      logger,
    );
    const useCases = buildUseCases({
      config,
      tx,
      stores,
      hub,
      feedReads,
      inApp,
      channels,
      onQueued: () => scheduler.kick("outbox-relay"),
      observe: (channel, outcome) => metrics.observeDelivery(channel, outcome),
      preferences,
      revocations,
    });
    metrics.polledGauge(
      "herald_outbox_backlog",
      "Deliveries committed and due but not yet on JetStream.",
      async () => (await stores.deliveries.outboxBacklog()).count,
    );
    metrics.polledGauge(
      "herald_outbox_oldest_age_seconds",
      "Age of the oldest due outbox row (0 when empty).",
      async () => (await stores.deliveries.outboxBacklog()).oldestAgeMs / 1000,
    );
    metrics.polledGauge(
      "herald_consumer_pending",
      "Messages a channel's JetStream consumer holds: not yet delivered, or delivered and not yet acked.",
      async () => (await dispatch.current()?.pending()) ?? {},
      "channel",
    );
    metrics.gauge("herald_feed_streams_open", "Subscribe streams open in this process.", () => hub.size());
    metrics.gauge(
      "herald_feed_reads_waiting",
      "Live-feed Postgres reads waiting for one of FEED_READ_CONCURRENCY slots.",
      () => feedQueue.stats().waiting,
    );
    const metricsServer = config.metricsEnabled
      ? await serveMetrics(metrics, config.metricsPort, config.metricsHost)
      : null;

    const shutdown = new AbortController();
    // Every call in flight listens on the shutdown signal; more than ten at once is normal.
    setMaxListeners(0, shutdown.signal);
    const services = [NotificationService, RecipientService, TemplateService, WebhookService];
    const checks = {
      postgres: async () => {
        await db.query("SELECT 1");
        return true;
      },
      nats: () => link.isConnected(),
    };
    const entries: ServiceEntry[] = [
      serviceEntry(NotificationService, notificationService(useCases)),
      serviceEntry(RecipientService, recipientService(useCases)),
      serviceEntry(TemplateService, templateService(useCases)),
      serviceEntry(WebhookService, webhookService(useCases)),
      healthService(
        checks,
        services.map((s) => s.typeName),
      ),
      ...reflectionServices([...services, Health]),
    ];
    // Order matters: spans and metrics see the final status; errors of every
    // later interceptor are mapped; callers are authenticated before their
    // requests are rate-limited and checked (shape: NUL, JSON depth,
    // timestamps; then protovalidate's field rules, which assume a sane shape).
    const rateLimiting = rateLimits(config, link, logger);
    const interceptors = [
      observabilityInterceptor(metrics),
      errorInterceptor(logger),
      authInterceptor(authenticator(config, stores, revocations), openServices),
      edgeErrorInterceptor(),
      rateLimitInterceptor({ limiter: rateLimiting.limiter, sendRecipientsPerToken: config.sendRecipientsPerToken }),
      requestShapeInterceptor({
        maxDepth: config.dataMaxDepth,
        maxValues: config.dataMaxValues,
        maxKeyLength: config.dataMaxKeyLength,
      }),
      createValidateInterceptor(),
    ];
    const readMaxBytes = config.requestMaxBytes;
    const rpc = createRpcHandler({
      routes: (router: ConnectRouter) => {
        for (const [service, impl] of entries) router.service(service, impl as ServiceImpl<typeof service>);
      },
      interceptors,
      shutdownSignal: shutdown.signal,
      readMaxBytes,
      // Herald's messages are small and CPU is the scarce resource: compress only
      // large responses (a long List page, a bulk Send's reply).
      compressMinBytes: 16 * 1024,
      maxTimeoutMs: 5 * 60_000,
      bodyTimeoutMs: config.httpRequestTimeoutMs,
      logger,
    });
    const cors = createCorsHandler(config.corsAllowedOrigins);
    const probes = healthRoutes(checks);
    const handle: HttpHandler = (req, res) => {
      if (cors(req, res) || probes(req, res) || options.extraRoutes?.(req, res)) return;
      rpc(req, res);
    };
    const penalty = createAbusePenalty({
      baseMs: config.abusePenaltyBaseMs,
      maxMs: config.abusePenaltyMaxMs,
      forgetAfterMs: 60_000,
      maxAddresses: 10_000,
    });
    const limits: ConnectionLimits = {
      headersTimeoutMs: config.httpHeadersTimeoutMs,
      requestTimeoutMs: config.httpRequestTimeoutMs,
      idleTimeoutMs: config.httpIdleTimeoutMs,
      maxConcurrentStreams: config.http2MaxConcurrentStreams,
      resetBurst: config.http2ResetBurst,
      resetsPerSecond: config.http2ResetsPerSecond,
      penalty,
      onAbuse: (reason, address) => {
        metrics.observeConnectionCut(reason);
        if (address !== undefined) penalty.strike(address);
      },
    };
    const grpcJs =
      config.grpcServer === "grpc-js"
        ? createGrpcJsServer({
            services: entries,
            interceptors,
            shutdownSignal: shutdown.signal,
            readMaxBytes,
            otherRequests: handle,
            limits,
          })
        : undefined;
    const server = createHttpServer(handle, limits, grpcJs);

    return {
      listen: (port, host) => server.listen(port, host),
      hub,
      db,
      nats: link,
      channels: channels.available,
      metricsPort: metricsServer?.port ?? null,
      async close() {
        // Streams end with Unavailable so clients reconnect (to another process).
        shutdown.abort(new ConnectError("server is shutting down", Code.Unavailable));
        await hub.close();
        await server.close(config.shutdownTimeoutMs);
        await scheduler.stop();
        rateLimiting.stop();
        revocations.stop();
        await dispatch.stop();
        channels.close();
        await link.close();
        metrics.close();
        await db.close();
        await metricsServer?.close();
      },
    };
  } catch (error) {
    await nats?.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw error;
  }
}

function buildUseCases(d: {
  config: Config;
  tx: Transactor;
  stores: Stores;
  hub: FeedHub;
  feedReads: FeedReads;
  inApp: InAppChannel;
  channels: ConfiguredChannels;
  onQueued: () => void;
  observe: (channel: Channel, outcome: "sent" | "suppressed") => void;
  preferences: PreferenceCache;
  revocations: TokenRevocations;
}): UseCases {
  const { config, tx, stores, inApp, onQueued, observe } = d;
  const prepare = createPrepareDeliveries({
    renderer: createContentRenderer({
      templates: stores.templates,
      defaultLocale: config.defaultLocale,
      limits: {
        maxMs: config.templateRenderBudgetMs,
        maxIterations: config.templateRenderMaxIterations,
        maxDataChars: config.templateRenderMaxBytes,
      },
      maxExpressions: config.templateMaxExpressions,
    }),
    recipients: stores.recipients,
    endpoints: stores.endpoints,
    preferences: d.preferences,
    settings: { channels: d.channels.available, requiredCategories: config.requiredCategories },
  });
  return {
    send: createSendNotification({ db: tx, stores, prepare, inApp, channels: d.channels.available, onQueued, observe }),
    getNotification: createGetNotification(stores),
    list: createListNotifications(stores),
    mark: createMarkNotifications({ db: tx, ...stores, inApp }),
    preferences: createManagePreferences({
      db: tx,
      preferences: d.preferences,
      maxCategories: config.maxPreferenceCategoriesPerUser,
    }),
    subscribe: createSubscribeFeed({ feeds: d.feedReads, hub: d.hub, catchUpWaitMs: config.feedHeartbeatMs }),
    deliveries: createManageDeliveries({ db: tx, ...stores, onQueued }),
    recipients: createManageRecipients({
      db: tx,
      recipients: stores.recipients,
      erased: (u) => d.preferences.changed(u),
      tokensRevoked: (u, before) => d.revocations.revoked(u, before),
      maxDevices: config.maxDevicesPerUser,
    }),
    templates: createManageTemplates({ templates: stores.templates, maxExpressions: config.templateMaxExpressions }),
    webhooks: createManageWebhooks({
      endpoints: stores.endpoints,
      settings: {
        allowPrivateNetworks: config.webhookAllowPrivateNetworks,
        secretGraceHours: config.webhookSecretGraceHours,
      },
    }),
  };
}

function authenticator(config: Config, stores: Stores, revocations: TokenRevocations) {
  return createAuthenticator({
    verifyApiKey: createApiKeyVerifier({
      find: (id) => stores.apiKeys.find(id),
      touch: (id) => stores.apiKeys.touch(id),
      cacheTtlMs: config.apiKeyCacheTtlMs,
      lookups: createReadQueue({
        concurrency: config.apiKeyLookupConcurrency,
        maxWaiting: config.apiKeyLookupQueueMax,
        busyMessage: (waiting) =>
          `server busy: ${waiting} API key lookups are waiting (API_KEY_LOOKUP_QUEUE_MAX=${config.apiKeyLookupQueueMax}); retry later`,
      }),
    }),
    verifyUserToken: createUserTokenVerifier({
      secret: config.userTokenSecret,
      jwksUrl: config.userTokenJwksUrl,
      issuer: config.userTokenIssuer,
      audience: config.userTokenAudience,
      maxTtlMs: config.userTokenMaxTtlMs,
      isRevoked: (userId, issuedAt) => revocations.isRevoked(userId, issuedAt),
    }),
  });
}

/** Per-key and per-user rate limits, shared with the other processes over NATS unless that is off. */
function rateLimits(config: Config, link: NatsLink, logger: Logger) {
  const limiter = createRateLimiter({
    policies: {
      ...(config.apiKeyRateLimit !== null && { api_key: config.apiKeyRateLimit }),
      ...(config.userRateLimit !== null && { user: config.userRateLimit }),
    },
    maxBuckets: config.rateLimitMaxBuckets,
    recordUsage: config.rateLimitSyncMs > 0,
  });
  const sharing =
    config.rateLimitSyncMs > 0
      ? shareUsage({
          limiter,
          connection: () => (link.isConnected() ? link.current() : null),
          ready: link.ready,
          subject: `${config.natsPrefix}.ratelimit.usage`,
          intervalMs: config.rateLimitSyncMs,
          logger,
        })
      : null;
  return { limiter, stop: () => sharing?.stop() };
}

/**
 * Starts what needs NATS once it is connected, retrying setup failures (a
 * nats-server that is up but whose JetStream is not ready yet).
 */
function startWhenReady<T extends { stop(): Promise<void> }>(
  link: NatsLink,
  logger: Logger,
  start: (nc: NatsConnection) => Promise<T>,
) {
  let running: T | null = null;
  let stopped = false;
  const started = (async () => {
    const nc = await link.ready;
    for (let attempt = 0; !stopped; attempt++) {
      try {
        running = await start(nc);
        if (stopped) await running.stop();
        return;
      } catch (err) {
        if (attempt === 0) logger.warn({ err }, "dispatch setup failed; retrying");
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  })();
  return {
    current: () => running,
    async stop() {
      stopped = true;
      // If setup is still waiting for NATS there is nothing to stop.
      await Promise.race([started, new Promise((r) => setTimeout(r, 100))]);
      await running?.stop();
    },
  };
}
