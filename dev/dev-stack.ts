import path from "node:path";
import { mintUserToken } from "../src/auth/user-tokens.js";
import { loadConfig } from "../src/config.js";
import { defaultTenant } from "../src/domain/tenant.js";
import { serve } from "../src/serve.js";
import { recipientStore } from "../src/store/recipient-store.js";
import { createLogger } from "../src/telemetry/logger.js";
import type { Tracing } from "../src/telemetry/tracing.js";
import { loadDevSecrets } from "./dev-secrets.js";
import { type DevServers, startDevServers } from "./dev-servers.js";
import { choosePorts, markRunning, markStopped, runningDevStack } from "./dev-state.js";
import { createDevWebRoutes } from "./dev-web.js";
import { welcomeText } from "./dev-welcome.js";
import { PostgresRunningError } from "./local-postgres.js";
import { startOrphanGuard } from "./orphan-guard.js";
import { watchParent } from "./parent-watch.js";

/** `npm start` could not start, for a reason its message explains in full. */
export class DevStackError extends Error {
  override name = "DevStackError";
}

/**
 * `npm start`: Herald with everything it needs on this machine. An embedded
 * Postgres, a nats-server with JetStream and MailDev run from the git-ignored
 * `.herald/` folder (unless DATABASE_URL / NATS_URL / SMTP_URL point at
 * servers of one's own), on the ports they had last time. SIGINT, SIGTERM and
 * SIGHUP, and the end of the process that started it, stop all of it; if this
 * process is killed hard, the orphan guard stops the servers.
 */
export async function startDevStack(root: string, tracing: Tracing | null = null): Promise<void> {
  const started = Date.now();
  const parent = process.ppid;
  const env = { ...process.env };
  const stateDir = path.resolve(env.HERALD_DEV_STATE_DIR ?? path.join(root, ".herald"));
  const say = (line: string) => process.stderr.write(`[herald dev] ${line}\n`);

  const running = runningDevStack(stateDir);
  if (running !== null) {
    throw new DevStackError(
      `Herald is already running on ${running.url} (npm start, pid ${running.pid}); ` +
        `stop it with Ctrl-C in its terminal or: kill -TERM ${running.pid}`,
    );
  }
  const ports = await choosePorts(
    stateDir,
    {
      herald: { fromEnv: env.PORT, preferred: 8080 },
      metrics: { fromEnv: env.METRICS_PORT, preferred: 9464 },
      postgres: { fromEnv: env.HERALD_DEV_POSTGRES_PORT },
      nats: { fromEnv: env.HERALD_DEV_NATS_PORT, preferred: 4222 },
      smtp: { fromEnv: env.HERALD_DEV_SMTP_PORT, preferred: 1025 },
      mail: { fromEnv: env.HERALD_DEV_MAIL_PORT, preferred: 1080 },
    },
    say,
  );
  const guard = startOrphanGuard(stateDir);
  let servers: DevServers;
  try {
    servers = await startDevServers({
      stateDir,
      ports,
      want: { postgres: !env.DATABASE_URL, nats: !env.NATS_URL, mail: !env.SMTP_URL },
      guard,
      say,
    });
  } catch (error) {
    guard.release();
    if (error instanceof PostgresRunningError) {
      throw new DevStackError(
        `Postgres of an earlier \`npm start\` still runs on port ${error.port ?? "?"} (pid ${error.pid}) without Herald; ` +
          `stop it with: kill -INT ${error.pid}`,
        { cause: error },
      );
    }
    throw error;
  }
  env.DATABASE_URL ??= servers.databaseUrl;
  env.NATS_URL ??= servers.natsUrl;
  env.SMTP_URL ??= servers.smtpUrl;
  env.PORT = String(ports.herald);
  env.METRICS_PORT = String(ports.metrics);
  const secrets = await loadDevSecrets(stateDir);
  env.HERALD_BOOTSTRAP_API_KEY ??= secrets.apiKey;
  env.HERALD_USER_TOKEN_SECRET ??= secrets.userTokenSecret;
  env.HOST ??= "127.0.0.1";
  // Any origin may call the API (with a credential); the dev pages themselves
  // never send CORS headers (dev-origin.ts).
  env.CORS_ALLOWED_ORIGINS ??= "*";
  // Local webhook receivers (http://localhost:...) are what development uses.
  env.WEBHOOK_ALLOW_PRIVATE_NETWORKS ??= "true";
  // The operator console at /console, signed in to with the development API key.
  env.CONSOLE_ENABLED ??= "true";
  // Browser notifications in the demo inbox (the webpush channel) with the
  // checkout's own VAPID pair, unless the developer set keys of their own.
  if (env.WEBPUSH_VAPID_PUBLIC_KEY === undefined && env.WEBPUSH_VAPID_PRIVATE_KEY === undefined) {
    env.WEBPUSH_VAPID_PUBLIC_KEY = secrets.vapidPublicKey;
    env.WEBPUSH_VAPID_PRIVATE_KEY = secrets.vapidPrivateKey;
    env.WEBPUSH_SUBJECT ??= "mailto:herald-dev@example.com";
  }

  let heraldRan = false;
  const stopServers = async () => {
    const stopped = [...(heraldRan ? ["Herald"] : []), ...(await servers.stop())];
    guard.release();
    await markStopped(stateDir);
    if (stopped.length > 0) say(`stopped ${stopped.join(", ")}`);
  };
  try {
    const config = loadConfig(env);
    const extraRoutes = await createDevWebRoutes({
      userTokenSecret: config.auth.userTokens.secret as string,
      apiKey: config.auth.apiKeys.bootstrap as string,
      webDir: path.join(root, "web"),
    });
    await serve({
      tracing,
      config,
      logger: createLogger(config.telemetry.logLevel),
      afterClose: stopServers,
      extraRoutes,
      onListening: async (address, app) => {
        heraldRan = true;
        const base = `http://${address.address}:${address.port}`;
        // The demo user has an address, so the first Send also shows an email in MailDev.
        await recipientStore.upsert(app.db, defaultTenant, "demo-user", {
          addresses: { email: "demo-user@example.com" },
        });
        // As long-lived as Herald accepts (HERALD_USER_TOKEN_MAX_TTL).
        const userTokenTtlSeconds = config.auth.userTokens.maxTtlMs / 1000;
        const userToken = await mintUserToken(config.auth.userTokens.secret as string, "demo-user", {
          ttlSeconds: userTokenTtlSeconds,
        });
        await markRunning(stateDir, base);
        process.stdout.write(
          welcomeText({
            base,
            console: config.console.enabled,
            apiKey: config.auth.apiKeys.bootstrap as string,
            userToken,
            userTokenTtlSeconds,
            databaseUrl: env.DATABASE_URL as string,
            nats: config.nats.url,
            metrics: config.telemetry.metricsEnabled ? `http://127.0.0.1:${ports.metrics}/metrics` : "off",
            mail: servers.mailUrl ?? "sent through SMTP_URL",
            pid: process.pid,
            root,
            stateDir,
            startedInMs: Date.now() - started,
          }),
        );
      },
    });
  } catch (error) {
    await stopServers();
    throw error;
  }
  // An IDE's stop button or a process manager may end npm without passing a
  // signal on (SIGKILL, SIGHUP): stop as if told to.
  watchParent(parent, () => {
    say("the process that started this one is gone; stopping");
    process.kill(process.pid, "SIGTERM");
  });
}
