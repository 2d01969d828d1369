import type net from "node:net";
import { createDevWebRoutes } from "../../dev/dev-web.js";
import { type App, createApp } from "../../src/app.js";
import { generateApiKey } from "../../src/auth/api-key-format.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { createTestDatabase, type TestDatabase, testEnv, uniquePrefix, userTokenSecret } from "../helpers/herald.js";

export interface DevWebHerald {
  app: App;
  /** http://127.0.0.1:<port> */
  url: string;
  /** The bootstrap API key (every scope), which only the server side holds. */
  apiKey: string;
  db: TestDatabase;
  /** Sockets of open Subscribe requests, so a test can cut them as a network failure would. */
  subscribeSockets: Set<net.Socket>;
  close(): Promise<void>;
}

/**
 * Herald in this process with the development pages, as `npm start` serves
 * them: same routes, a bootstrap API key and the test user token secret.
 * `env` adds or overrides configuration (a faster sweep, say).
 */
export async function startDevWebHerald(env: Record<string, string> = {}): Promise<DevWebHerald> {
  const db = await createTestDatabase();
  const apiKey = generateApiKey().key;
  // CORS open to any origin for the API, as `npm start` configures it; email
  // offered (the preference page shows its column), though nothing here has an address.
  const config = loadConfig(
    testEnv(db, uniquePrefix(), {
      HERALD_BOOTSTRAP_API_KEY: apiKey,
      CORS_ALLOWED_ORIGINS: "*",
      SMTP_URL: "smtp://127.0.0.1:9?tls=off",
      ...env,
    }),
  );
  const devRoutes = await createDevWebRoutes({ userTokenSecret, apiKey });
  const subscribeSockets = new Set<net.Socket>();
  const app = await createApp(config, createLogger(config.telemetry.logLevel), {
    extraRoutes: (req, res) => {
      if (req.url?.endsWith("/herald.v1.NotificationService/Subscribe")) {
        const socket = req.socket as net.Socket;
        subscribeSockets.add(socket);
        socket.once("close", () => subscribeSockets.delete(socket));
      }
      return devRoutes(req, res);
    },
  });
  const { port } = await app.listen(0, "127.0.0.1");
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    apiKey,
    db,
    subscribeSockets,
    async close() {
      await app.close();
      await db.close();
    },
  };
}
