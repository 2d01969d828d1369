import net from "node:net";
import path from "node:path";
import { mintUserToken } from "../src/auth/user-tokens.js";
import { loadConfig } from "../src/config.js";
import { serve } from "../src/serve.js";
import { RecipientStore } from "../src/store/recipient-store.js";
import { createLogger } from "../src/telemetry/logger.js";
import type { Tracing } from "../src/telemetry/tracing.js";
import { loadDevSecrets } from "./dev-secrets.js";
import { createDevWebRoutes } from "./dev-web.js";
import { freePort } from "./free-port.js";
import { ensureMailpit, type LocalMailpit, startLocalMailpit } from "./local-mailpit.js";
import { ensureNatsServer, type LocalNats, startLocalNats } from "./local-nats.js";
import { type LocalPostgres, startLocalPostgres } from "./local-postgres.js";

/**
 * `npm start`: Herald with everything it needs on this machine. An embedded
 * Postgres and a nats-server with JetStream run from the git-ignored `.herald/`
 * folder, unless DATABASE_URL / NATS_URL point at existing ones. Ctrl-C stops
 * all of it.
 */
export async function startDevStack(root: string, tracing: Tracing | null = null): Promise<void> {
  const env = { ...process.env };
  // Tools are shared per checkout; data may live elsewhere (HERALD_DEV_STATE_DIR).
  const binDir = path.join(root, ".herald", "bin");
  const stateDir = path.resolve(env.HERALD_DEV_STATE_DIR ?? path.join(root, ".herald"));
  const say = (line: string) => process.stderr.write(`[herald dev] ${line}\n`);
  let postgres: LocalPostgres | null = null;
  let nats: LocalNats | null = null;
  let mailpit: LocalMailpit | null = null;
  const stopServers = async () => {
    await mailpit?.stop().catch(() => undefined);
    await nats?.stop().catch(() => undefined);
    await postgres?.stop().catch(() => undefined);
  };

  try {
    if (!env.DATABASE_URL) {
      say(`starting embedded Postgres (${path.join(stateDir, "postgres")})...`);
      postgres = await startLocalPostgres({
        dataDir: path.join(stateDir, "postgres", "data"),
        port: Number(env.HERALD_DEV_POSTGRES_PORT ?? 0),
      });
      env.DATABASE_URL = postgres.url();
    }
    if (!env.NATS_URL) {
      say(`starting nats-server with JetStream (${path.join(stateDir, "nats")})...`);
      const bin = await ensureNatsServer(binDir);
      nats = await startLocalNats({
        bin,
        storeDir: path.join(stateDir, "nats"),
        port: Number(env.HERALD_DEV_NATS_PORT ?? 0) || (await preferred(4222)),
      });
      env.NATS_URL = nats.url;
    }
    if (!env.SMTP_URL) {
      say(`starting Mailpit, which catches every email (${path.join(stateDir, "mailpit")})...`);
      mailpit = await startLocalMailpit({
        bin: await ensureMailpit(binDir),
        dataDir: path.join(stateDir, "mailpit"),
        uiPort: Number(env.HERALD_DEV_MAILPIT_PORT ?? 0) || (await preferred(8025)),
      });
      env.SMTP_URL = mailpit.smtpUrl;
    }
    const secrets = await loadDevSecrets(stateDir);
    env.HERALD_BOOTSTRAP_API_KEY ??= secrets.apiKey;
    env.HERALD_USER_TOKEN_SECRET ??= secrets.userTokenSecret;
    env.HOST ??= "127.0.0.1";
    env.CORS_ALLOWED_ORIGINS ??= "*";
    // Local webhook receivers (http://localhost:...) are what development uses.
    env.WEBHOOK_ALLOW_PRIVATE_NETWORKS ??= "true";
    const config = loadConfig(env);
    const extraRoutes = await createDevWebRoutes({
      userTokenSecret: config.userTokenSecret as string,
      apiKey: config.bootstrapApiKey as string,
      webDir: path.join(root, "web"),
    });
    await serve({
      tracing,
      config,
      logger: createLogger(config.logLevel),
      afterClose: stopServers,
      extraRoutes,
      onListening: async (address, app) => {
        const base = `http://${address.address}:${address.port}`;
        // The demo user has an address, so the first Send also shows an email in Mailpit.
        await new RecipientStore(app.db).upsert("demo-user", { email: "demo-user@example.com" });
        const userToken = await mintUserToken(config.userTokenSecret as string, "demo-user", { ttlSeconds: 7 * 86400 });
        printWelcome({
          base,
          apiKey: config.bootstrapApiKey as string,
          userToken,
          postgres: env.DATABASE_URL as string,
          nats: config.natsUrl,
          mail: mailpit?.uiUrl ?? "sent through SMTP_URL",
        });
      },
    });
  } catch (error) {
    await stopServers();
    throw error;
  }
}

/** `port` if it is free, else any free port. */
async function preferred(port: number): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(freePort()));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(port)));
  });
}

function printWelcome(o: {
  base: string;
  apiKey: string;
  userToken: string;
  postgres: string;
  nats: string;
  mail: string;
}): void {
  const body = JSON.stringify({
    user_ids: ["demo-user"],
    category: "welcome",
    title: "Hello from Herald",
    body: "Your first notification.",
  });
  process.stdout.write(`
Herald is running at ${o.base}  (gRPC, gRPC-Web and Connect on one port)
  Demo inbox: ${o.base}/  (signed in as demo-user; preferences at ${o.base}/preferences)
  Postgres: ${o.postgres}
  NATS:     ${o.nats}
  Email:    ${o.mail}

Development API key (all scopes):  ${o.apiKey}
User token for "demo-user" (7 days): ${o.userToken}

Send a first notification (buf curl learns the API from gRPC reflection):
  npx buf curl --protocol grpc --http2-prior-knowledge \\
    -H "Authorization: Bearer ${o.apiKey}" \\
    -d '${body}' \\
    ${o.base}/herald.v1.NotificationService/Send

List it as the user:
  curl -s -H "Authorization: Bearer ${o.userToken}" -H "Content-Type: application/json" \\
    -d '{}' ${o.base}/herald.v1.NotificationService/List

Press Ctrl-C to stop Herald and the servers it started.
`);
}
