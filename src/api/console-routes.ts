import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import type http from "node:http";
import type http2 from "node:http2";
import path from "node:path";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import type { HttpRoutes } from "./http-server.js";

type Response = http.ServerResponse | http2.Http2ServerResponse;

/** What `/console/config.json` tells the browser (web/console/src/context.ts, ConsoleConfig). */
export interface ConsolePublicConfig {
  oidc: { issuer: string; clientId: string; name: string; scopes?: string } | null;
  traceUrl: string | null;
}

export interface ConsoleRouteOptions extends ConsolePublicConfig {
  /** The console's folder (holding src/main.ts). Default: `web/console` of this checkout. */
  webDir?: string;
}

interface Asset {
  type: string;
  body: Uint8Array;
  etag: string;
  /** The body gzipped, for the bundle and its CSS (a third of the bytes), with its own ETag. */
  gzip?: { body: Uint8Array; etag: string };
}

/**
 * The operator console at `/console`: the HTML shell, its bundle (built once,
 * in memory, when this is called) and its public configuration. Every other
 * path under `/console/` is a 404 here, so none of them reaches the RPC
 * handler; RPC paths (`/herald.v1.*`) are never answered here.
 */
export async function createConsoleRoutes(options: ConsoleRouteOptions): Promise<HttpRoutes> {
  const assets = await buildConsole(options.webDir ?? findConsoleDir());
  const config: ConsolePublicConfig = { oidc: options.oidc, traceUrl: options.traceUrl };
  assets.set("config.json", asset("application/json", Buffer.from(JSON.stringify(config))));
  const headers = securityHeaders(options.oidc?.issuer ?? null);

  return (req, res) => {
    // Split, not parsed: new URL() throws on request targets such as `//x:y`, which
    // Node's parser lets through, and a throw here would take the process down.
    const pathname = (req.url ?? "").split("?", 1)[0] ?? "";
    if (pathname !== "/console" && !pathname.startsWith("/console/")) return false;
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      reply(res, 405, "text/plain; charset=utf-8", "the console answers GET and HEAD only\n");
      return true;
    }
    const isShell = pathname === "/console" || pathname === "/console/";
    const found = isShell ? shell : assets.get(pathname.slice("/console/".length));
    if (found === undefined) {
      reply(res, 404, "text/plain; charset=utf-8", "not found\n");
      return true;
    }
    // The shell and config change with the process, the bundle with each build.
    res.setHeader("Cache-Control", isShell || found.type === "application/json" ? "no-store" : "no-cache");
    const gzip = found.gzip !== undefined && acceptsGzip(req.headers["accept-encoding"]) ? found.gzip : null;
    if (found.gzip !== undefined) res.setHeader("Vary", "Accept-Encoding");
    if (gzip !== null) res.setHeader("Content-Encoding", "gzip");
    const { body, etag } = gzip ?? found;
    res.setHeader("ETag", etag);
    if (req.headers["if-none-match"] === etag) {
      reply(res, 304, found.type, "");
      return true;
    }
    reply(res, 200, found.type, req.method === "HEAD" ? "" : body);
    return true;
  };
}

/** web/console next to src/ (tsx) or next to dist/src/ (compiled). */
function findConsoleDir(): string {
  const candidates = ["../../web/console", "../../../web/console"].map((p) => path.resolve(import.meta.dirname, p));
  return candidates.find((dir) => existsSync(path.join(dir, "src/main.ts"))) ?? (candidates[0] as string);
}

/** Bundles src/main.ts (and the CSS it imports, uPlot's included) into app.js and app.css. */
async function buildConsole(webDir: string): Promise<Map<string, Asset>> {
  let result: esbuild.BuildResult<{ write: false }>;
  try {
    result = await esbuild.build({
      entryPoints: { app: path.join(webDir, "src/main.ts") },
      outdir: path.join(webDir, "dist"), // names the outputs; nothing is written
      write: false,
      bundle: true,
      minify: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      tsconfig: path.resolve(webDir, "../tsconfig.json"),
      logLevel: "silent",
    });
  } catch (cause) {
    const errors = (cause as { errors?: esbuild.Message[] }).errors ?? [];
    const lines = errors.slice(0, 5).map((e) => `${e.location?.file ?? "?"}:${e.location?.line ?? 0}: ${e.text}`);
    throw new Error(
      `CONSOLE_ENABLED is true but the console bundle did not build from ${webDir}: ${lines.join("; ") || String(cause)}`,
      { cause },
    );
  }
  const types: Record<string, string> = { ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" };
  return new Map(
    result.outputFiles.map((f) => {
      const built = asset(types[path.extname(f.path)] ?? "", f.contents);
      const gzipped = gzipSync(f.contents, { level: 9 });
      return [path.basename(f.path), { ...built, gzip: { body: gzipped, etag: `${built.etag.slice(0, -1)}-gz"` } }];
    }),
  );
}

function asset(type: string, body: Uint8Array): Asset {
  return { type, body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"` };
}

/** Whether an Accept-Encoding header takes gzip (not refused with q=0). */
function acceptsGzip(header: string | undefined): boolean {
  const gzip = (header ?? "")
    .split(",")
    .map((part) => part.trim().toLowerCase().split(";"))
    .find(([coding]) => coding === "gzip" || coding === "*");
  if (gzip === undefined) return false;
  const q = gzip.slice(1).find((p) => p.trim().startsWith("q="));
  return q === undefined || Number(q.trim().slice(2)) > 0;
}

/**
 * The shell has no inline script. Styles may be inline only because an
 * email's HTML (shown in a sandboxed srcdoc frame, which inherits this policy)
 * styles itself that way; remote images in it stay blocked, as do scripts.
 */
function securityHeaders(oidcIssuer: string | null): Record<string, string> {
  const connect = ["'self'", ...(oidcIssuer === null ? [] : [new URL(oidcIssuer).origin])].join(" ");
  return {
    "Content-Security-Policy": [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      `connect-src ${connect}`,
      "frame-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      `form-action 'self'${oidcIssuer === null ? "" : ` ${new URL(oidcIssuer).origin}`}`,
      "frame-ancestors 'none'",
    ].join("; "),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
  };
}

const shell = asset(
  "text/html; charset=utf-8",
  Buffer.from(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Herald console</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/app.css"><script type="module" src="/console/app.js"></script>
</head><body><div id="console"><p class="loading">Loading the Herald console…</p></div>
<noscript>The Herald console needs JavaScript.</noscript></body></html>
`),
);

function reply(res: Response, status: number, type: string, body: string | Uint8Array): void {
  res.statusCode = status;
  res.setHeader("Content-Type", type);
  (res as http.ServerResponse).end(body);
}
