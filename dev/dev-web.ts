import type http from "node:http";
import type http2 from "node:http2";
import path from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as esbuild from "esbuild";
import { NotificationService } from "../gen/ts/herald/v1/notification_service_pb.js";
import type { HttpRoutes } from "../src/app.js";
import { mintUserToken } from "../src/auth/user-tokens.js";
import { devRequestAllowed, requestHost, withoutCors } from "./dev-origin.js";
import { pageHeaders, pages } from "./dev-pages.js";

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

export interface DevWebOptions {
  /** HERALD_USER_TOKEN_SECRET: the pages' user token is minted with it, as an app's backend would. */
  userTokenSecret: string;
  /** An API key with the `send` scope; only POST /dev/send uses it, on the server. It never reaches a page. */
  apiKey: string;
  /** The user the pages are signed in as. Default "demo-user". */
  userId?: string;
  /** The folder holding the elements' sources. Default: `web/` of this checkout. */
  webDir?: string;
}

/**
 * The development server's pages, for `npm start` only: `GET /` a demo app
 * signed in as the demo user with `<herald-inbox>` and a form to send that
 * user a notification (`POST /dev/send`, which calls Send server-side with the
 * API key), `GET /preferences` with `<herald-preferences>`, and the bundle
 * `GET /herald-inbox.js` and the push service worker `GET /herald-push-sw.js`,
 * built with esbuild into memory when this is called.
 */
export async function createDevWebRoutes(options: DevWebOptions): Promise<HttpRoutes> {
  const userId = options.userId ?? "demo-user";
  const assets = await buildAssets(options.webDir ?? path.resolve(import.meta.dirname, "../web"));
  const sender = createSender(options.apiKey);

  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://dev.invalid");
    const isSend = req.method === "POST" && url.pathname === "/dev/send";
    const asset = req.method === "GET" ? assets.get(url.pathname.slice(1)) : undefined;
    const page = req.method === "GET" ? pages[url.pathname] : undefined;
    if (!isSend && asset === undefined && page === undefined) return false;
    withoutCors(res);
    if (!devRequestAllowed(req)) {
      reply(res, 403, "text/plain", "development pages answer only their own origin on localhost or an IP address\n");
      return true;
    }
    if (isSend) {
      send(req, res, (fields) => sender(req, { ...fields, userId }));
      return true;
    }
    if (asset !== undefined) {
      reply(res, 200, asset.type, asset.body, { "Cache-Control": "no-cache" });
      return true;
    }
    if (page === undefined) return false;
    void mintUserToken(options.userTokenSecret, userId, { ttlSeconds: 12 * 3600 }).then(
      (token) =>
        reply(res, 200, "text/html; charset=utf-8", page({ baseUrl: origin(req), token, userId }), pageHeaders),
      () => reply(res, 500, "text/plain", "could not mint a user token"),
    );
    return true;
  };
}

interface Asset {
  type: string;
  body: Uint8Array;
}

/** Bundles the elements and the demo script (ESM, in memory), keyed by file name. */
async function buildAssets(webDir: string): Promise<Map<string, Asset>> {
  const result = await esbuild.build({
    entryPoints: {
      "herald-inbox": path.join(webDir, "src/index.ts"),
      "dev-demo": path.join(webDir, "demo/demo.ts"),
    },
    outdir: path.join(webDir, "dist"), // names the outputs; nothing is written
    write: false,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: "linked",
    tsconfig: path.join(webDir, "tsconfig.json"),
    logLevel: "silent",
  });
  // The service worker is a classic script (no modules in every browser's
  // service workers), served from the page's origin so its scope covers the page.
  const worker = await esbuild.build({
    entryPoints: { "herald-push-sw": path.join(webDir, "push-worker/herald-push-sw.ts") },
    outdir: path.join(webDir, "dist"),
    write: false,
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2020",
    tsconfig: path.join(webDir, "push-worker/tsconfig.json"),
    logLevel: "silent",
  });
  const types: Record<string, string> = { ".js": "text/javascript; charset=utf-8", ".map": "application/json" };
  return new Map(
    [...result.outputFiles, ...worker.outputFiles].map((f) => [
      path.basename(f.path),
      { type: types[path.extname(f.path)] ?? "application/octet-stream", body: f.contents },
    ]),
  );
}

interface SendFields {
  title: string;
  body: string;
  category: string;
  /** Tags the notification `mention` (the demo's Mentions tab). */
  mention: boolean;
  /** Gives it two named actions and a link, to try the action buttons. */
  withActions: boolean;
  userId: string;
}

const demoActions = [
  { id: "approve", label: "Approve" },
  { id: "decline", label: "Decline" },
  { id: "details", label: "Details", url: "/preferences" },
];

/** Send over Connect to this same server, authenticated with the API key. */
function createSender(apiKey: string) {
  const clients = new Map<string, ReturnType<typeof createClient<typeof NotificationService>>>();
  return async (req: Request, fields: SendFields): Promise<string> => {
    // The request arrived on the address Herald listens on, so that is where to call.
    const { localAddress = "127.0.0.1", localPort } = req.socket;
    const host = localAddress.includes(":") ? `[${localAddress}]` : localAddress;
    const baseUrl = `http://${host}:${localPort}`;
    let client = clients.get(baseUrl);
    if (client === undefined) {
      const transport = createConnectTransport({
        baseUrl,
        httpVersion: "1.1",
        interceptors: [
          (next) => (r) => {
            r.header.set("Authorization", `Bearer ${apiKey}`);
            return next(r);
          },
        ],
      });
      client = createClient(NotificationService, transport);
      clients.set(baseUrl, client);
    }
    const { notifications } = await client.send({
      userIds: [fields.userId],
      title: fields.title,
      body: fields.body,
      category: fields.category || "demo",
      tags: fields.mention ? ["mention"] : [],
      actions: fields.withActions ? demoActions : [],
    });
    return notifications[0]?.id ?? "";
  };
}

/** POST /dev/send: reads the JSON form, sends, answers `{ id }` or `{ error }`. */
function send(req: Request, res: Response, sendIt: (f: Omit<SendFields, "userId">) => Promise<string>): void {
  const json = (status: number, value: object) => reply(res, status, "application/json", JSON.stringify(value));
  readJson(req)
    .then((input) => {
      const text = (key: string) => (typeof input[key] === "string" ? input[key] : "");
      const flag = (key: string) => input[key] === true;
      return sendIt({
        title: text("title"),
        body: text("body"),
        category: text("category"),
        mention: flag("mention"),
        withActions: flag("withActions"),
      });
    })
    .then(
      (id) => json(200, { id }),
      (err: unknown) => {
        const error = ConnectError.from(err);
        json(error.code === Code.InvalidArgument ? 400 : 502, { error: error.rawMessage });
      },
    );
}

async function readJson(req: Request): Promise<Record<string, unknown>> {
  if (!String(req.headers["content-type"]).startsWith("application/json")) {
    throw new ConnectError("send JSON (Content-Type: application/json)", Code.InvalidArgument);
  }
  let raw = "";
  for await (const chunk of req as AsyncIterable<Buffer>) {
    raw += chunk.toString("utf8");
    if (raw.length > 16_384) throw new ConnectError("request too large", Code.InvalidArgument);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (cause) {
    throw new ConnectError("request is not JSON", Code.InvalidArgument, undefined, undefined, cause);
  }
  if (typeof value !== "object" || value === null) throw new ConnectError("send a JSON object", Code.InvalidArgument);
  return value as Record<string, unknown>;
}

function reply(
  res: Response,
  status: number,
  type: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): void {
  res.statusCode = status;
  res.setHeader("Content-Type", type);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  (res as http.ServerResponse).end(body);
}

function origin(req: Request): string {
  return `http://${requestHost(req) ?? "127.0.0.1"}`;
}
