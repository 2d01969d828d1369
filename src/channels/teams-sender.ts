import { PermanentDeliveryError, type ProviderReceipt, TransientDeliveryError } from "../domain/delivery-errors.js";
import { createGuardedPost, type PostAnswer } from "./guarded-post.js";
import { checkWebhookUrl } from "./network-guard.js";
import { parseJson, retryAfterMs } from "./provider-http.js";

export interface TeamsSenderOptions {
  /** ms for the whole request, from connecting to the end of the answer's body. */
  timeoutMs: number;
  /** Lets URLs reach loopback and private addresses and use plain http: development and tests only. */
  allowPrivateNetworks: boolean;
  /** The User-Agent header; default "Herald-Teams/1". */
  userAgent?: string;
}

/** One card for one Teams endpoint. */
export interface TeamsMessage {
  /** The Workflows or incoming webhook URL. It is a secret (whoever has it can post), so no error quotes it. */
  url: string;
  /** The Adaptive Card (an object with "type": "AdaptiveCard"). */
  card: object;
  /** The delivery's id, for a receipt when Teams names none. */
  deliveryId: string;
}

/** Posts Adaptive Cards to Teams endpoints. */
export interface TeamsSender {
  /**
   * Resolves once Teams took the message: a Workflows URL answers 202 (the
   * flow then runs on its own: a card it cannot post shows in the flow's run
   * history, not here), an incoming webhook 200 "1". Rejects with
   * TransientDeliveryError (timeout, network failure, 408, 429, 5xx, a
   * connector's throttling text) or PermanentDeliveryError (anything else;
   * reason "gone" for 404 and 410, when the flow or webhook was deleted).
   */
  send(message: TeamsMessage, signal?: AbortSignal): Promise<ProviderReceipt>;
  /** Closes the pooled connections. */
  close(): void;
}

/**
 * Where Teams' webhook URLs live: Office 365 connectors' incoming webhooks
 * (https://<tenant>.webhook.office.com/webhookb2/...), and the Workflows
 * app's "When a Teams webhook request is received" trigger, hosted by Logic
 * Apps (https://prod-NN.<region>.logic.azure.com/workflows/...) or by the
 * Power Platform (https://<environment>.environment.api.powerplatform.com/
 * powerautomate/automations/direct/workflows/...).
 */
export const TEAMS_HOSTS = ["webhook.office.com", "logic.azure.com", "api.powerplatform.com"] as const;

/**
 * Why a URL cannot be a Teams endpoint, or null: the SSRF guard's rules
 * (checkWebhookUrl), then https on its default port to a host under
 * TEAMS_HOSTS. With allowPrivateNetworks (development and tests) any http(s)
 * URL passes, as webhooks' do.
 */
export function checkTeamsUrl(url: string, egress: { allowPrivateNetworks: boolean }): string | null {
  const problem = checkWebhookUrl(url, egress);
  if (problem !== null || egress.allowPrivateNetworks) return problem;
  const parsed = new URL(url);
  const host = parsed.hostname.toLowerCase();
  if (!TEAMS_HOSTS.some((h) => host === h || host.endsWith(`.${h}`))) {
    return `must be a Teams Workflows or incoming webhook URL, on a host under ${TEAMS_HOSTS.join(", ")}`;
  }
  if (parsed.port !== "") return "must use the default https port";
  return null;
}

/** "The message size limit is 28 KB. When the size exceeds 28 KB, you receive an error" (Create Incoming Webhooks). */
export const MAX_MESSAGE_BYTES = 28 * 1024;
/** Answers are read this far, for the error they carry; Teams' are short. */
const MAX_ANSWER_BYTES = 16 * 1024;
/**
 * Office 365 connectors answer 200 and put the real status in the body
 * ("Connectors do not throw 429s": Sending messages to connectors and
 * webhooks, Rate limiting for connectors).
 */
const CONNECTOR_ERROR = /Microsoft Teams endpoint returned HTTP error (\d{3})/;

/** The guard's refusal, here and for an address found at connection time: Teams' own wording. */
const NOT_ALLOWED = "refused: the endpoint's address is not allowed";

/**
 * A Teams sender over pooled keep-alive connections, through the SSRF guard
 * (guarded-post.ts). A failure with no answer records "Teams request timed
 * out", "Teams request aborted" or "Teams request failed: <category>" (as
 * webhooks do, never an address).
 */
export function createTeamsSender(options: TeamsSenderOptions): TeamsSender {
  const userAgent = options.userAgent ?? "Herald-Teams/1";
  const poster = createGuardedPost({
    allowPrivateNetworks: options.allowPrivateNetworks,
    timeoutMs: options.timeoutMs,
    keepBodyBytes: MAX_ANSWER_BYTES,
    label: "Teams request",
    messages: { notAllowed: NOT_ALLOWED },
  });

  return {
    async send(message, signal) {
      // Registration checked the URL; this refuses one registered before the rules changed.
      if (checkTeamsUrl(message.url, options) !== null) throw new PermanentDeliveryError(NOT_ALLOWED);
      const body = JSON.stringify({
        type: "message",
        attachments: [
          { contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: message.card },
        ],
      });
      const bytes = Buffer.byteLength(body);
      if (bytes > MAX_MESSAGE_BYTES) {
        throw new PermanentDeliveryError(
          `the message is ${bytes.toLocaleString("en-US")} bytes; Teams takes at most 28 KB (${MAX_MESSAGE_BYTES.toLocaleString("en-US")} bytes)`,
        );
      }
      const headers = { "content-type": "application/json; charset=utf-8", "user-agent": userAgent };
      return interpret(await poster.post(message.url, body, headers, signal), message.deliveryId);
    },
    close: () => poster.close(),
  };
}

/** Turns Teams' answer into a receipt or the delivery error that says what to do next. */
function interpret(answer: PostAnswer, deliveryId: string): ProviderReceipt {
  const { headers, body } = answer;
  let status = answer.status;
  let what = `Teams answered ${status}`;
  const connector = status >= 200 && status < 300 ? CONNECTOR_ERROR.exec(body) : null;
  if (connector !== null) {
    status = Number(connector[1]);
    what = `Teams answered 200 with "Microsoft Teams endpoint returned HTTP error ${status}"`;
  } else if (status >= 200 && status < 300) {
    // Workflows name the flow run they started; incoming webhooks name nothing.
    const runId = headers["x-ms-workflow-run-id"];
    return { providerMessageId: typeof runId === "string" && runId !== "" ? runId : `herald:${deliveryId}` };
  } else {
    what += detail(body);
  }
  if (status >= 300 && status < 400) throw new PermanentDeliveryError(`${what} (redirects are not followed)`);
  if (status === 408 || status === 429 || status >= 500) {
    throw new TransientDeliveryError(what, retryAfterMs(headers["retry-after"] as string | undefined));
  }
  // 404 or 410: the flow or the connector was deleted. The caller disables the endpoint.
  if (status === 404 || status === 410) throw new PermanentDeliveryError(what, "gone");
  if (status >= 400) throw new PermanentDeliveryError(what);
  throw new TransientDeliveryError(what);
}

/**
 * What Teams said about a failure: Azure's `{"error": {"code", "message"}}`
 * from Workflows, or a connector's text, shortened and without URLs or
 * signatures (an answer may quote the request).
 */
function detail(body: string): string {
  const azure = (parseJson(body) as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const text =
    azure !== undefined && azure !== null && typeof azure === "object"
      ? `${String(azure.code ?? "")}: ${String(azure.message ?? "")}`
      : body.trim();
  const clean = text
    .replace(/https?:\/\/\S+/g, "<url>")
    .replace(/\bsig=[^&\s"']+/g, "sig=<redacted>")
    .replace(/\s+/g, " ")
    .slice(0, 300);
  return clean === "" || clean === ":" ? "" : `: ${clean}`;
}
