import type { AddressInfo } from "node:net";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { createValidateInterceptor } from "@connectrpc/validate";
import type { NatsConnection } from "@nats-io/transport-node";
import { NotificationService } from "../gen/ts/herald/v1/notification_service_pb.js";
import { createCorsHandler } from "./api/cors.js";
import { createHttpServer } from "./api/http-server.js";
import { authInterceptor, errorInterceptor } from "./api/interceptors.js";
import { notificationService } from "./api/notification-service.js";
import { createApiKeyVerifier } from "./auth/api-key-verifier.js";
import { createAuthenticator } from "./auth/authenticate.js";
import { createUserTokenVerifier } from "./auth/user-tokens.js";
import { createInAppChannel } from "./channels/in-app-channel.js";
import type { Config } from "./config.js";
import { type Scheduler, startScheduler } from "./dispatch/scheduler.js";
import type { Channel } from "./domain/notification.js";
import { createFeedHub, type FeedHub } from "./feed/feed-hub.js";
import { createFeedPublisher } from "./feed/feed-publisher.js";
import { connectNats } from "./messaging/nats.js";
import { ApiKeyStore } from "./store/api-key-store.js";
import { createDatabase, createTransactor, type Database } from "./store/database.js";
import { FeedStore } from "./store/feed-store.js";
import { IdempotencyStore } from "./store/idempotency-store.js";
import { InboxStore } from "./store/inbox-store.js";
import { migrate } from "./store/migrator.js";
import { NotificationStore } from "./store/notification-store.js";
import { PreferenceStore } from "./store/preference-store.js";
import type { Logger } from "./telemetry/logger.js";
import { createGetNotification } from "./usecases/get-notification.js";
import type { UseCases } from "./usecases/index.js";
import { createListNotifications } from "./usecases/list-notifications.js";
import { createManageApiKeys } from "./usecases/manage-api-keys.js";
import { createManagePreferences } from "./usecases/manage-preferences.js";
import { createMarkNotifications } from "./usecases/mark-notifications.js";
import { createReleaseScheduled } from "./usecases/release-scheduled.js";
import { createSendNotification } from "./usecases/send-notification.js";
import { createSubscribeFeed } from "./usecases/subscribe-feed.js";

/** Channels this build delivers on. Email, SMS, push and webhooks arrive with the dispatch issue. */
const availableChannels: readonly Channel[] = ["in_app"];

export interface App {
  /** Starts serving; resolves with the bound address. */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Open Subscribe streams in this process. */
  hub: FeedHub;
  db: Database;
  nc: NatsConnection;
  /** Graceful stop: ends streams, stops background work, closes connections. */
  close(): Promise<void>;
}

/** The composition root: wires store, NATS, channels and use cases into a server. */
export async function createApp(config: Config, logger: Logger): Promise<App> {
  const db = createDatabase({ url: config.databaseUrl, poolMax: config.databasePoolMax });
  let nc: NatsConnection | undefined;
  try {
    if (config.migrateOnStart) {
      const applied = await migrate(db);
      if (applied.length > 0) logger.info({ applied }, "migrations applied");
    }
    const keys = new ApiKeyStore(db);
    const apiKeys = createManageApiKeys({ keys });
    if (config.bootstrapApiKey !== null) {
      const id = await apiKeys.ensureBootstrap(config.bootstrapApiKey);
      logger.info({ keyId: id }, "bootstrap API key ensured");
    }
    nc = await connectNats({ url: config.natsUrl, name: "herald", logger });

    const tx = createTransactor(db);
    const stores = {
      notifications: new NotificationStore(db),
      feeds: new FeedStore(db),
      inbox: new InboxStore(db),
      preferences: new PreferenceStore(db),
      idempotency: new IdempotencyStore(db),
    };
    const hub = createFeedHub({
      nc,
      prefix: config.natsPrefix,
      heads: (userIds) => stores.feeds.heads(userIds),
      heartbeatMs: config.feedHeartbeatMs,
      logger,
    });
    const inApp = createInAppChannel({
      feeds: stores.feeds,
      notifications: stores.notifications,
      publish: createFeedPublisher({ nc, prefix: config.natsPrefix, logger }),
    });
    const useCases: UseCases = {
      send: createSendNotification({ db: tx, ...stores, inApp, channels: availableChannels }),
      getNotification: createGetNotification(stores),
      list: createListNotifications(stores),
      mark: createMarkNotifications({ db: tx, ...stores, inApp }),
      preferences: createManagePreferences({ db: tx, ...stores }),
      subscribe: createSubscribeFeed({ feeds: stores.feeds, hub }),
    };

    const releaseScheduled = createReleaseScheduled({ db: tx, ...stores, inApp });
    const hour = 3_600_000;
    const scheduler: Scheduler = startScheduler(
      [
        {
          name: "release-scheduled",
          everyMs: config.schedulerIntervalMs,
          run: async () => (await releaseScheduled()) > 0,
        },
        {
          name: "prune-feed-events",
          everyMs: hour,
          run: async () => (await stores.feeds.prune(config.feedRetentionDays)) > 0,
        },
        { name: "prune-idempotency-keys", everyMs: hour, run: async () => (await stores.idempotency.prune()) > 0 },
      ],
      logger,
    );

    const authenticate = createAuthenticator({
      verifyApiKey: createApiKeyVerifier({
        find: (id) => keys.find(id),
        touch: (id) => keys.touch(id),
        cacheTtlMs: config.apiKeyCacheTtlMs,
      }),
      verifyUserToken: createUserTokenVerifier({
        secret: config.userTokenSecret,
        jwksUrl: config.userTokenJwksUrl,
        issuer: config.userTokenIssuer,
        audience: config.userTokenAudience,
      }),
    });
    const shutdown = new AbortController();
    const rpc = connectNodeAdapter({
      routes: (router: ConnectRouter) => router.service(NotificationService, notificationService(useCases)),
      // Order matters: errors of every later interceptor are mapped; callers are
      // authenticated before their requests are validated.
      interceptors: [errorInterceptor(logger), authInterceptor(authenticate), createValidateInterceptor()],
      shutdownSignal: shutdown.signal,
      readMaxBytes: 4 * 1024 * 1024,
      maxTimeoutMs: 5 * 60_000,
    });
    const cors = createCorsHandler(config.corsAllowedOrigins);
    const server = createHttpServer((req, res) => {
      if (!cors(req, res)) rpc(req, res);
    });

    const natsConnection = nc;
    return {
      listen: (port, host) => server.listen(port, host),
      hub,
      db,
      nc: natsConnection,
      async close() {
        // Streams end with Unavailable so clients reconnect (to another process).
        shutdown.abort(new ConnectError("server is shutting down", Code.Unavailable));
        await hub.close();
        await server.close(config.shutdownTimeoutMs);
        await scheduler.stop();
        await natsConnection.drain().catch(() => natsConnection.close());
        await db.close();
      },
    };
  } catch (error) {
    await nc?.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw error;
  }
}
