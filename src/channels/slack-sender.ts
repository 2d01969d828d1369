import { PermanentDeliveryError, type ProviderReceipt, TransientDeliveryError } from "../domain/delivery-errors.js";
import { createGuardedPost, type PostAnswer } from "./guarded-post.js";
import { checkWebhookUrl } from "./network-guard.js";
import { parseJson, retryAfterMs } from "./provider-http.js";

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

/** Creates a Slack sender with its own keep-alive connections. */
export function createSlackSender(options: SlackSenderOptions): SlackSender {
  const apiUrl = (options.apiUrl ?? "https://slack.com/api/").replace(/\/*$/, "/");
  const guard = { allowPrivateNetworks: options.allowPrivateNetworks };
  const posting = {
    // One budget for the whole call, answer included (DELIVERY_TIMEOUT_MS); the caller's signal may end it sooner.
    timeoutMs: options.timeoutMs,
    keepBodyBytes: MAX_ANSWER_BYTES,
    label: "Slack request",
    // Slack's texts for these two predate the shared ones.
    messages: {
      timedOut: `Slack request failed: no answer within ${options.timeoutMs} ms`,
      aborted: "Slack request failed: aborted by the caller",
    },
  };
  // Webhook URLs come from API callers: every address they resolve to is checked (DNS rebinding).
  const webhooks = createGuardedPost({ ...posting, allowPrivateNetworks: options.allowPrivateNetworks });
  // SLACK_API_URL is the operator's, not a caller's: wherever it points (a local fake in tests) is allowed.
  const api = createGuardedPost({ ...posting, allowPrivateNetworks: true });

  return {
    async postMessage(memberId, message, signal) {
      if (options.botToken === null) {
        throw new PermanentDeliveryError("SLACK_BOT_TOKEN is not set: this server posts only to incoming webhooks");
      }
      const answer = await api.post(
        new URL("chat.postMessage", apiUrl).href,
        JSON.stringify({ channel: memberId, ...message }),
        {
          authorization: `Bearer ${options.botToken}`,
          accept: "application/json",
          "content-type": "application/json; charset=utf-8",
        },
        signal,
      );
      return apiReceipt(answer);
    },

    async postToWebhook(url, message, signal) {
      // Registration checked the URL already; this refuses one registered before the rules changed.
      if (checkWebhookUrl(url, guard) !== null) throw new PermanentDeliveryError("refused: address not allowed");
      const headers = { "content-type": "application/json; charset=utf-8" };
      return webhookReceipt(await webhooks.post(url, JSON.stringify(message), headers, signal));
    },

    close() {
      webhooks.close();
      api.close();
    },
  };
}

/**
 * The Web API's verdict. Slack answers HTTP 200 with `{"ok": false, "error"}`
 * for failures, except rate limits: HTTP 429 with Retry-After in seconds
 * (honoured: the worker waits at least that long).
 */
function apiReceipt({ status, headers, body: text }: PostAnswer): ProviderReceipt {
  const body = parseJson(text) as
    | { ok?: unknown; error?: unknown; channel?: unknown; ts?: unknown; response_metadata?: { messages?: unknown } }
    | undefined;
  const wait = retryAfterMs(headers["retry-after"]);
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
function webhookReceipt({ status, headers, body: text }: PostAnswer): ProviderReceipt {
  if (status === 200) return { providerMessageId: "incoming-webhook" };
  // Only Slack's own short codes are recorded, never a proxy's page (or whatever else answers).
  const code = /^[a-z_]{1,64}$/.test(text.trim()) ? text.trim() : "";
  const what = `Slack incoming webhook answered ${status}${code === "" ? "" : ` ${code}`}`;
  if (status === 429 || status === 408 || status >= 500) {
    throw new TransientDeliveryError(what, retryAfterMs(headers["retry-after"]));
  }
  if (status === 410 || goneWebhookErrors.has(code)) throw new PermanentDeliveryError(what, "gone");
  if (status >= 300 && status < 400) throw new PermanentDeliveryError(`${what} (redirects are not followed)`);
  if (status >= 400) throw new PermanentDeliveryError(what);
  throw new TransientDeliveryError(what);
}
