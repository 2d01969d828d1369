import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "./read-body.js";

/** A message the fake Web API posted (chat.postMessage answered ok). */
export interface PostedMessage {
  /** The `channel` argument as sent (a member id for DMs). */
  channel: string;
  /** The DM channel the fake opened for it (`D...`), as Slack answers. */
  dm: string;
  ts: string;
  text: string | undefined;
  blocks: unknown;
  authorization: string | undefined;
  contentType: string | undefined;
}

/** A message an incoming webhook accepted. */
export interface WebhookPost {
  hook: string;
  body: Record<string, unknown>;
  contentType: string | undefined;
}

/** An answer given instead of handling the next request. */
export interface SlackFailure {
  /** HTTP status; default 200 (the Web API's failures are HTTP 200 with `ok: false`). */
  status?: number;
  /** Web API: the `error` code; incoming webhooks: the plain-text body. */
  error?: string;
  /** Sent as Retry-After, verbatim. */
  retryAfter?: string;
}

export interface FakeSlack {
  /** Web API base to use as SLACK_API_URL (ends in `/api/`). */
  apiUrl: string;
  /** The bot token the Web API accepts. */
  botToken: string;
  /** Members chat.postMessage can open a DM with; others are channel_not_found. */
  members: Set<string>;
  messages: PostedMessage[];
  webhookPosts: WebhookPost[];
  /** Creates an active incoming webhook and returns its URL. */
  createWebhook(): string;
  /** What Slack says of a hook from now on: removed (404 no_service) or its channel archived (410). */
  setWebhookState(url: string, state: "active" | "removed" | "archived"): void;
  /** The next `count` requests (Web API or webhook) get this answer. */
  failNext(count: number, failure: SlackFailure): void;
  /** The next `count` requests get no answer at all (until close). */
  stallNext(count: number): void;
  requestCount(): number;
  close(): Promise<void>;
}

/** Slack's limits the fake enforces, as documented for chat.postMessage and Block Kit. */
const MAX_TEXT = 40_000;
const MAX_BLOCKS = 50;

/**
 * A local stand-in for the parts of Slack's public API Herald uses:
 * - Web API `POST /api/chat.postMessage` (JSON or form body; token as a Bearer
 *   header or a `token` argument): failures are HTTP 200 with
 *   `{"ok": false, "error": ...}` (`not_authed` without a token,
 *   `invalid_auth` with a wrong one, `channel_not_found` for an unknown
 *   channel or member, `no_text`, `msg_too_long`, `invalid_blocks` with
 *   `response_metadata.messages`), rate limits are HTTP 429 with Retry-After
 *   in seconds and `{"ok": false, "error": "ratelimited"}`; success is
 *   `{"ok": true, "channel": "D...", "ts": "...", "message": {...}}`, the DM's
 *   channel id, as when posting to a user id.
 * - Incoming webhooks `POST /services/T.../B.../...`: `ok` (200, text/html) or a
 *   plain-text error by status: 400 `invalid_payload` / `no_text`, 404
 *   `no_service` (removed hook), 410 `channel_is_archived`, 429 with
 *   Retry-After.
 */
export async function startFakeSlack(): Promise<FakeSlack> {
  const botToken = `xoxb-${randomBytes(6).toString("hex")}-${randomBytes(12).toString("hex")}`;
  const members = new Set<string>();
  const messages: PostedMessage[] = [];
  const webhookPosts: WebhookPost[] = [];
  const hooks = new Map<string, "active" | "removed" | "archived">();
  const failures: SlackFailure[] = [];
  let stalls = 0;
  let requests = 0;
  let clock = Math.floor(Date.now() / 1000);
  let serial = 0;

  const server = http.createServer(async (req, res) => {
    requests += 1;
    const raw = await readBody(req);
    if (stalls > 0) {
      stalls -= 1;
      return; // left open; close() drops the connection
    }
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const isHook = path.startsWith("/services/");
    const failure = failures.shift();
    if (failure) return isHook ? hookFailure(res, failure) : apiFailure(res, failure);
    if (req.method !== "POST") return sendText(res, 405, "invalid_method");
    if (isHook) return handleHook(path, raw, req, res);
    if (path !== "/api/chat.postMessage") return sendJson(res, 200, { ok: false, error: "unknown_method" });
    const args = parseArgs(raw, req.headers["content-type"]);
    if (args === null) return sendJson(res, 200, { ok: false, error: "invalid_json" });
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const token = bearer ?? (typeof args.token === "string" ? args.token : undefined);
    if (token === undefined) return sendJson(res, 200, { ok: false, error: "not_authed" });
    if (token !== botToken) return sendJson(res, 200, { ok: false, error: "invalid_auth" });
    const channel = typeof args.channel === "string" ? args.channel : "";
    if (!members.has(channel)) return sendJson(res, 200, { ok: false, error: "channel_not_found" });
    const text = typeof args.text === "string" ? args.text : undefined;
    // Form bodies carry blocks as a JSON string, JSON bodies as an array.
    const blocks = typeof args.blocks === "string" ? parseJson(args.blocks) : args.blocks;
    if (!text && blocks === undefined) return sendJson(res, 200, { ok: false, error: "no_text" });
    if (text !== undefined && [...text].length > MAX_TEXT)
      return sendJson(res, 200, { ok: false, error: "msg_too_long" });
    const blockProblem = blocks === undefined ? null : checkBlocks(blocks);
    if (blockProblem !== null) {
      return sendJson(res, 200, {
        ok: false,
        error: "invalid_blocks",
        response_metadata: { messages: [blockProblem] },
      });
    }
    const dm = `D${createHash("sha256").update(channel).digest("hex").slice(0, 10).toUpperCase()}`;
    clock += 1;
    serial += 1;
    const ts = `${clock}.${String(serial).padStart(6, "0")}`;
    messages.push({
      channel,
      dm,
      ts,
      text,
      blocks,
      authorization: req.headers.authorization,
      contentType: req.headers["content-type"],
    });
    sendJson(res, 200, {
      ok: true,
      channel: dm,
      ts,
      message: { type: "message", subtype: "bot_message", text: text ?? "", ts, bot_id: "B0FAKEBOT", blocks },
    });
  });

  function handleHook(path: string, raw: string, req: http.IncomingMessage, res: http.ServerResponse) {
    const state = hooks.get(path);
    if (state === undefined || state === "removed") return sendText(res, 404, "no_service");
    if (state === "archived") return sendText(res, 410, "channel_is_archived");
    const body = parseJson(raw);
    if (body === null || typeof body !== "object" || Array.isArray(body)) return sendText(res, 400, "invalid_payload");
    const payload = body as Record<string, unknown>;
    if (!payload.text && payload.blocks === undefined) return sendText(res, 400, "no_text");
    if (payload.blocks !== undefined && checkBlocks(payload.blocks) !== null)
      return sendText(res, 400, "invalid_blocks");
    webhookPosts.push({ hook: path, body: payload, contentType: req.headers["content-type"] });
    sendText(res, 200, "ok");
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const id = (prefix: string) => `${prefix}${randomBytes(5).toString("hex").toUpperCase()}`;

  return {
    apiUrl: `${origin}/api/`,
    botToken,
    members,
    messages,
    webhookPosts,
    createWebhook() {
      const path = `/services/${id("T")}/${id("B")}/${randomBytes(12).toString("hex")}`;
      hooks.set(path, "active");
      return `${origin}${path}`;
    },
    setWebhookState(url, state) {
      hooks.set(new URL(url).pathname, state);
    },
    failNext(count, failure) {
      for (let i = 0; i < count; i++) failures.push(failure);
    },
    stallNext(count) {
      stalls += count;
    },
    requestCount: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Block Kit's message limits, with the message Slack's invalid_blocks carries. */
function checkBlocks(blocks: unknown): string | null {
  if (!Array.isArray(blocks)) return "[ERROR] must provide an array [json-pointer:/blocks]";
  if (blocks.length > MAX_BLOCKS) return `[ERROR] no more than ${MAX_BLOCKS} items allowed [json-pointer:/blocks]`;
  const bad = blocks.findIndex((b) => typeof (b as { type?: unknown } | null)?.type !== "string");
  return bad === -1 ? null : `[ERROR] missing required field: type [json-pointer:/blocks/${bad}]`;
}

function apiFailure(res: http.ServerResponse, failure: SlackFailure): void {
  const status = failure.status ?? 200;
  if (failure.retryAfter !== undefined) res.setHeader("retry-after", failure.retryAfter);
  if (status >= 500) {
    sendText(res, status, "<html><body>Service Unavailable</body></html>");
    return;
  }
  sendJson(res, status, { ok: false, error: failure.error ?? (status === 429 ? "ratelimited" : "internal_error") });
}

function hookFailure(res: http.ServerResponse, failure: SlackFailure): void {
  if (failure.retryAfter !== undefined) res.setHeader("retry-after", failure.retryAfter);
  sendText(res, failure.status ?? 500, failure.error ?? "rollup_error");
}

/** chat.postMessage takes JSON (application/json) or form arguments. */
function parseArgs(raw: string, contentType: string | undefined): Record<string, unknown> | null {
  if (contentType?.startsWith("application/json")) {
    const body = parseJson(raw);
    return body !== null && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/html" });
  res.end(text);
}
