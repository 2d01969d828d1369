import { PermanentDeliveryError, type ProviderReceipt, TransientDeliveryError } from "../domain/delivery-errors.js";
import { type ProviderAnswer, parseJson, postToProvider, retryAfterMs } from "./provider-http.js";

export interface SmsSenderOptions {
  /** Origin of the Twilio REST API; tests point it at a local fake. Default https://api.twilio.com. */
  baseUrl?: string;
  /** The account messages are sent from and billed to (`AC...`); also the basic-auth user name. */
  accountSid: string;
  /** The account's auth token: the basic-auth password. */
  authToken: string;
  /** Sender number (E.164) or alphanumeric sender ID. Set exactly one of `from` and `messagingServiceSid`. */
  from?: string;
  /** A Messaging Service (`MG...`) that picks the sender from its pool. Set exactly one of `from` and `messagingServiceSid`. */
  messagingServiceSid?: string;
  /** ms for the whole request, response body included. Default 10000. */
  timeoutMs?: number;
}

/** One text message for one recipient. */
export interface SmsMessage {
  /** The recipient's number in E.164 (`+14155550100`). Twilio checks it; a bad one is a permanent failure. */
  to: string;
  /** The text; Twilio splits it into segments and refuses more than 1600 characters. */
  body: string;
}

/** Hands text messages to Twilio's Messages API. */
export interface SmsSender {
  /**
   * Resolves with the message SID once Twilio queued the message (201). Rejects
   * with TransientDeliveryError or PermanentDeliveryError only; a timeout or an
   * abort of `signal` is transient because Twilio may or may not have queued it.
   */
  send(message: SmsMessage, signal?: AbortSignal): Promise<ProviderReceipt>;
}

/** Creates a Twilio SMS sender; checks the options at once. */
export function createSmsSender(options: SmsSenderOptions): SmsSender {
  if (!options.accountSid || !options.authToken) {
    throw new Error("SmsSenderOptions needs accountSid and authToken");
  }
  if (!options.from === !options.messagingServiceSid) {
    throw new Error("SmsSenderOptions needs exactly one of from and messagingServiceSid");
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  const base = (options.baseUrl ?? "https://api.twilio.com").replace(/\/+$/, "");
  const endpoint = `${base}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString("base64")}`;
  const sender: Record<string, string> = options.from
    ? { From: options.from }
    : { MessagingServiceSid: options.messagingServiceSid as string };

  return {
    async send(message, signal) {
      const answer = await postToProvider(
        endpoint,
        { authorization, "content-type": "application/x-www-form-urlencoded" },
        new URLSearchParams({ To: message.to, ...sender, Body: message.body }).toString(),
        { signal, timeoutMs, what: "Twilio request" },
      );
      const ok = answer.status >= 200 && answer.status < 300;
      const sid = ok ? (parseJson(answer.text) as { sid?: unknown } | undefined)?.sid : undefined;
      if (typeof sid === "string" && sid !== "") return { providerMessageId: sid };
      throw toDeliveryError(answer, message.to);
    },
  };
}

/**
 * The project's rule: 408, 429 and 5xx are worth retrying, any other 4xx will
 * fail the same way again. The text carries Twilio's code and message, which
 * often quote the recipient's number, so numbers are redacted first.
 */
function toDeliveryError(answer: ProviderAnswer, to: string): Error {
  const status = answer.status;
  const error = parseJson(answer.text) as { code?: unknown; message?: unknown } | undefined;
  const detail =
    typeof error?.code === "number" || typeof error?.message === "string"
      ? `: code ${String(error.code)}: ${redactNumbers(String(error.message ?? ""), to).slice(0, 300)}`
      : "";
  const what = `Twilio answered ${status}${detail}`;
  if (status === 408 || status === 429 || status >= 500) {
    return new TransientDeliveryError(what, retryAfterMs(answer.headers.get("retry-after")));
  }
  if (status >= 400) return new PermanentDeliveryError(what, "rejected");
  // A 2xx without a SID, or a redirect: not a verdict on the message.
  return new TransientDeliveryError(`${what} without a message SID`);
}

/** The recipient's number as given, and anything else shaped like a phone number. */
function redactNumbers(text: string, to: string): string {
  return (to ? text.replaceAll(to, "<redacted>") : text).replace(/\+?\d[\d\s().-]{5,}\d/g, "<redacted>");
}
