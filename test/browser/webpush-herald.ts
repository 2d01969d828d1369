import path from "node:path";
import * as esbuild from "esbuild";
import { type App, createApp } from "../../src/app.js";
import { generateApiKey } from "../../src/auth/api-key-format.js";
import { mintUserToken } from "../../src/auth/user-tokens.js";
import { generateVapidKeys } from "../../src/channels/vapid.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { createTestDatabase, testEnv, uniquePrefix, userTokenSecret } from "../helpers/herald.js";

export interface WebPushHerald {
  app: App;
  /** http://127.0.0.1:<port>: Herald, the test page, the bundle and the service worker, one origin. */
  url: string;
  /** The bootstrap API key (every scope). */
  apiKey: string;
  vapid: { publicKey: string; privateKey: string; subject: string };
  close(): Promise<void>;
}

const webDir = path.resolve(import.meta.dirname, "../../web");

/**
 * Herald with Web Push (fresh VAPID keys) serving, on its own origin as an app
 * would: `GET /?user=<id>` a page with `<herald-inbox push-worker=...>` signed
 * in as that user (`&worker=0` leaves the attribute out), `/herald-inbox.js`
 * and `/herald-push-sw.js`, built as web/README.md says.
 */
export async function startWebPushHerald(): Promise<WebPushHerald> {
  const db = await createTestDatabase();
  const apiKey = generateApiKey().key;
  const vapid = { ...generateVapidKeys(), subject: "mailto:ops@herald.example" };
  const config = loadConfig(
    testEnv(db, uniquePrefix(), {
      HERALD_BOOTSTRAP_API_KEY: apiKey,
      WEBPUSH_VAPID_PUBLIC_KEY: vapid.publicKey,
      WEBPUSH_VAPID_PRIVATE_KEY: vapid.privateKey,
      WEBPUSH_SUBJECT: vapid.subject,
    }),
  );
  const assets = await buildAssets();
  const app = await createApp(config, createLogger(config.telemetry.logLevel), {
    extraRoutes: (req, res) => {
      const url = new URL(req.url ?? "/", "http://test.invalid");
      const asset = assets.get(url.pathname);
      if (req.method !== "GET" || (asset === undefined && url.pathname !== "/")) return false;
      if (asset !== undefined) {
        res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" });
        res.end(asset);
        return true;
      }
      const user = url.searchParams.get("user") ?? "web-user";
      const worker = url.searchParams.get("worker") === "0" ? "" : ' push-worker="/herald-push-sw.js"';
      void mintUserToken(userTokenSecret, user).then((token) => {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(`<!doctype html><title>Web Push</title><script type="module" src="/herald-inbox.js"></script>
<header style="display:flex;justify-content:flex-end;padding:8px">
<herald-inbox token="${token}"${worker}></herald-inbox></header>`);
      });
      return true;
    },
  });
  const { port } = await app.listen(0, "127.0.0.1");
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    apiKey,
    vapid,
    async close() {
      await app.close();
      await db.close();
    },
  };
}

/** The element bundle (ESM) and the service worker (a classic script), as package.json's scripts build them. */
async function buildAssets(): Promise<Map<string, Uint8Array>> {
  const build = async (entry: string, format: "esm" | "iife") => {
    const result = await esbuild.build({
      entryPoints: [path.join(webDir, entry)],
      bundle: true,
      format,
      target: format === "esm" ? "es2022" : "es2020",
      write: false,
      logLevel: "silent",
    });
    return result.outputFiles[0]?.contents ?? new Uint8Array();
  };
  return new Map([
    ["/herald-inbox.js", await build("src/index.ts", "esm")],
    ["/herald-push-sw.js", await build("push-worker/herald-push-sw.ts", "iife")],
  ]);
}
