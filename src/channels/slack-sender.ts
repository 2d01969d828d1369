import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { PermanentDeliveryError, type ProviderReceipt, TransientDeliveryError } from "../domain/delivery-errors.js";
import { checkWebhookUrl, guardedLookup, PrivateNetworkError } from "./network-guard.js";
import { describeFailure, parseJson, retryAfterMs } from "./provider-http.js";

/*
 * Why not @slack/web-api (8.2, evaluated for this sender): its calls take no
 * AbortSignal (only a client-wide `timeout`), so the worker's signal could not
 * stop a call in flight; it queues calls itself (p-queue) and retries them
 * (p-retry, unless `retryConfig: {retries: 0}`), and unless
 * `rejectRateLimitedCalls` is set it sleeps through a 429 with the whole queue
 * paused, where Herald's worker owns waiting; it logs to the console unless
 * given a logger; it depends on `@types/node` at run time (a second copy beside
 * the project's); and it has nothing for incoming webhooks, which also need
 * the SSRF guard's lookup. Herald uses one method of it: one JSON POST.
 */

export interface SlackSenderOptions {
  /** Web API base, ending in `/`; tests point it at a local fake. Default https://slack.com/api/. */
  apiUrl?: string;
  /** The bot token (`xoxb-...`) for chat.postMessage; null when only incoming webhooks are used. */
  botToken: string | null;
  /** ms for a whole call, answer body included. */
  timeoutMs: number;
  /** Lets incoming webhooks reach loopback and private addresses over plain http: development and tests. */
  allowPrivateNetworks: boolean;
}

/** What one Slack message says. */
export interface SlackMessage {
  /** mrkdwn; with blocks, the notification and fallback text. */
  text: string;
  /** Block Kit blocks, already parsed; absent for a text-only message. */
  blocks?: unknown[];
}

export interface SlackSender {
  /** chat.postMessage to a member id (Slack opens the DM); the receipt is `<channel>/<ts>`. */
  postMessage(memberId: string, message: SlackMessage, signal?: AbortSignal): Promise<ProviderReceipt>;
  /** Posts to an incoming webhook URL; a PermanentDeliveryError with reason "gone" means the hook is dead. */
  postToWebhook(url: string, message: SlackMessage, signal?: AbortSignal): Promise<ProviderReceipt>;
  close(): void;
}

/**
 * Web API `error` codes worth trying again, as Slack documents them for
 * chat.postMessage: rate limits (`ratelimited`, and `rate_limited` on older
 * methods), and server trouble: `internal_error` ("likely due to a transient
 * issue on our end"), `fatal_error`, `service_unavailable`, `request_timeout`.
 * Every other code (`channel_not_found`, `invalid_auth`, `not_authed`,
 * `account_inactive`, `token_revoked`, `user_not_found`, `is_archived`,
 * `msg_too_long`, `invalid_blocks`, `missing_scope`...) fails the same way
 * next time: permanent.
 */
const transientApiErrors = new Set([
  "ratelimited",
  "rate_limited",
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
]);

/**
 * Incoming-webhook answers (plain text, by HTTP status) that mean the hook
 * itself will never work again, from Slack's incoming-webhook error list:
 * `no_service` (404: the webhook was disabled, removed or is invalid),
 * `channel_not_found` (404: its channel was deleted), `channel_is_archived`
 * (410), `no_team` / `team_disabled` (the workspace is gone or inactive),
 * `invalid_token` (403: the URL's token was revoked). The endpoint is then
 * disabled, like a webhook answering 410. Other 4xx (`invalid_payload`,
 * `user_not_found`, `too_many_attachments`, `action_prohibited`,
 * `posting_to_general_channel_denied`, `invalid_blocks`) refuse this message only.
 */
const goneWebhookErrors = new Set([
  "no_service",
  "channel_not_found",
  "channel_is_archived",
  "no_team",
  "team_disabled",
  "invalid_token",
  "no_active_hooks",
]);

/** Answers are read to learn Slack's error code; beyond this the rest is dropped. */
const MAX_ANSWER_BYTES = 64 * 1024;

interface Answer {
  status: number;
  retryAfter: string | undefined;
  text: string;
}

/** Creates a Slack sender with its own keep-alive connections. */
export function createSlackSender(options: SlackSenderOptions): SlackSender {
  const apiUrl = (options.apiUrl ?? "https://slack.com/api/").replace(/\/*$/, "/");
  const guard = { allowPrivateNetworks: options.allowPrivateNetworks };
  // Webhook URLs come from API callers: every address they resolve to is checked (DNS rebinding).
  const webhookLookup: LookupFunction = options.allowPrivateNetworks ? dns.lookup : guardedLookup;
  const agents = {
    "http:": new http.Agent({ keepAlive: true, timeout: 4_000 }),
    "https:": new https.Agent({ keepAlive: true, timeout: 4_000 }),
  };

  function post(url: URL, body: string, headers: Record<string, string>, lookup: LookupFunction, signal?: AbortSignal) {
    return new Promise<Answer>((resolve, reject) => {
      const fail = (error: unknown) =>
        reject(
          error instanceof PrivateNetworkError
            ? new PermanentDeliveryError("refused: address not allowed", "rejected", { cause: error })
            : new TransientDeliveryError(
                `Slack request failed: ${describeFailure(error, options.timeoutMs)}`,
                undefined,
                {
                  cause: error,
                },
              ),
        );
      if (signal?.aborted) return fail(signal.reason);
      const request = (url.protocol === "https:" ? https : http).request(url, {
        method: "POST",
        agent: agents[url.protocol as keyof typeof agents],
        lookup,
        headers: {
          ...headers,
          "content-type": "application/json; charset=utf-8",
          "content-length": String(Buffer.byteLength(body)),
        },
      });
      // One budget for the whole call, answer included (DELIVERY_TIMEOUT_MS); the caller's signal may end it sooner.
      const timer = setTimeout(() => request.destroy(timeoutError()), options.timeoutMs);
      const onAbort = () => request.destroy(signal?.reason instanceof Error ? signal.reason : abortError());
      signal?.addEventListener("abort", onAbort, { once: true });
      request.on("close", () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      });
      request.on("error", fail);
      request.on("response", (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
        });
        response.on("error", fail);
        response.on("end", () => {
          const retryAfter = response.headers["retry-after"];
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
            text: Buffer.concat(chunks).toString("utf8"),
          });
        });
      });
      request.end(body);
    });
  }

  return {
    async postMessage(memberId, message, signal) {
      if (options.botToken === null) {
        throw new PermanentDeliveryError("SLACK_BOT_TOKEN is not set: this server posts only to incoming webhooks");
      }
      const answer = await post(
        new URL("chat.postMessage", apiUrl),
        JSON.stringify({ channel: memberId, ...message }),
        { authorization: `Bearer ${options.botToken}`, accept: "application/json" },
        dns.lookup,
        signal,
      );
      return apiReceipt(answer);
    },

    async postToWebhook(url, message, signal) {
      // Registration checked the URL already; this refuses one registered before the rules changed.
      if (checkWebhookUrl(url, guard) !== null) throw new PermanentDeliveryError("refused: address not allowed");
      return webhookReceipt(await post(new URL(url), JSON.stringify(message), {}, webhookLookup, signal));
    },

    close() {
      agents["http:"].destroy();
      agents["https:"].destroy();
    },
  };
}

/**
 * The Web API's verdict. Slack answers HTTP 200 with `{"ok": false, "error"}`
 * for failures, except rate limits: HTTP 429 with Retry-After in seconds
 * (honoured: the worker waits at least that long).
 */
function apiReceipt({ status, retryAfter, text }: Answer): ProviderReceipt {
  const body = parseJson(text) as
    | { ok?: unknown; error?: unknown; channel?: unknown; ts?: unknown; response_metadata?: { messages?: unknown } }
    | undefined;
  const wait = retryAfterMs(retryAfter);
  if (status === 429)
    throw new TransientDeliveryError(`Slack answered 429 ${String(body?.error ?? "ratelimited")}`, wait);
  if (status >= 500 || status === 408) throw new TransientDeliveryError(`Slack answered ${status}`, wait);
  if (status !== 200 || body === undefined || typeof body.ok !== "boolean") {
    // Slack's Web API uses no other status codes; a 4xx is a wrong SLACK_API_URL or a proxy's refusal.
    if (status >= 400) throw new PermanentDeliveryError(`Slack answered ${status}`);
    throw new TransientDeliveryError(`Slack answered ${status} without a Web API result`);
  }
  if (body.ok) {
    const channel = typeof body.channel === "string" ? body.channel : "";
    const ts = typeof body.ts === "string" ? body.ts : "";
    return { providerMessageId: `${channel}/${ts}` };
  }
  const code = typeof body.error === "string" ? body.error : "unknown_error";
  // invalid_blocks and friends explain themselves here ("[ERROR] ... [json-pointer:/blocks/0/text]").
  const messages = Array.isArray(body.response_metadata?.messages) ? body.response_metadata.messages : [];
  const detail = messages.length > 0 ? `: ${messages.map(String).join("; ").slice(0, 300)}` : "";
  const what = `Slack answered ${code}${detail}`;
  if (transientApiErrors.has(code)) throw new TransientDeliveryError(what, wait);
  throw new PermanentDeliveryError(what);
}

/** An incoming webhook's verdict: `ok` on 200, otherwise a short plain-text error code and a status. */
function webhookReceipt({ status, retryAfter, text }: Answer): ProviderReceipt {
  if (status === 200) return { providerMessageId: "incoming-webhook" };
  // Only Slack's own short codes are recorded, never a proxy's page (or whatever else answers).
  const code = /^[a-z_]{1,64}$/.test(text.trim()) ? text.trim() : "";
  const what = `Slack incoming webhook answered ${status}${code === "" ? "" : ` ${code}`}`;
  if (status === 429 || status === 408 || status >= 500) {
    throw new TransientDeliveryError(what, retryAfterMs(retryAfter));
  }
  if (status === 410 || goneWebhookErrors.has(code)) throw new PermanentDeliveryError(what, "gone");
  if (status >= 300 && status < 400) throw new PermanentDeliveryError(`${what} (redirects are not followed)`);
  if (status >= 400) throw new PermanentDeliveryError(what);
  throw new TransientDeliveryError(what);
}

function timeoutError(): Error {
  return Object.assign(new Error("timed out"), { name: "TimeoutError" });
}

function abortError(): Error {
  return Object.assign(new Error("aborted"), { name: "AbortError" });
}
