import { PermanentDeliveryError, type ProviderReceipt, TransientDeliveryError } from "../domain/delivery-errors.js";
import { createAccessTokens, rsaKey, type ServiceAccount, serviceAccountFields } from "./google-access-tokens.js";
import { type ProviderAnswer as Answer, parseJson, postToProvider, retryAfterMs } from "./provider-http.js";

export interface PushSenderOptions {
  /** Origin of the FCM API; tests point it at a local fake. Default https://fcm.googleapis.com. */
  baseUrl?: string;
  serviceAccount: ServiceAccount;
  /** ms for each HTTP request (token or send), response body included. Default 10000. */
  timeoutMs?: number;
}

/** One notification for one device. */
export interface PushMessage {
  /** The device's FCM registration token. */
  token: string;
  title: string;
  body: string;
  /** Key/value pairs handed to the app; FCM refuses reserved keys (`from`, `gcm...`, `google...`). */
  data: Record<string, string>;
  /** Delivery priority on Android and APNs; omitted, each platform uses its default. */
  priority?: "normal" | "high";
}

/** Sends notifications through Firebase Cloud Messaging's HTTP v1 API. */
export interface PushSender {
  /**
   * Resolves with FCM's message name once FCM accepted it. Rejects with
   * TransientDeliveryError or PermanentDeliveryError only; reason "unregistered"
   * means the token is dead and the device should be removed.
   */
  send(message: PushMessage, signal?: AbortSignal): Promise<ProviderReceipt>;
}

const FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError";
const BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest";

/** Creates an FCM sender; checks the service account (and parses its key) at once. */
export function createPushSender(options: PushSenderOptions): PushSender {
  const account = options.serviceAccount;
  for (const field of serviceAccountFields) {
    if (typeof account?.[field] !== "string" || account[field] === "") {
      throw new Error(`PushSenderOptions.serviceAccount.${field} is required`);
    }
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  const base = (options.baseUrl ?? "https://fcm.googleapis.com").replace(/\/+$/, "");
  const endpoint = `${base}/v1/projects/${encodeURIComponent(account.project_id)}/messages:send`;
  const tokens = createAccessTokens(account, rsaKey(account.private_key), timeoutMs);

  const post = (accessToken: string, body: string, signal?: AbortSignal) =>
    postToProvider(endpoint, { authorization: `Bearer ${accessToken}`, "content-type": "application/json" }, body, {
      signal,
      timeoutMs,
      what: "FCM request",
    });

  return {
    async send(message, signal) {
      const body = JSON.stringify({ message: fcmMessage(message) });
      let accessToken = await tokens.get(signal);
      let answer = await post(accessToken, body, signal);
      // A token Google revoked or expired early: get a fresh one and try once more.
      // THIRD_PARTY_AUTH_ERROR is about the app's APNs/web push credentials, which no new token fixes.
      if (answer.status === 401 && fcmErrorCode(googleError(answer)) !== "THIRD_PARTY_AUTH_ERROR") {
        tokens.invalidate(accessToken);
        accessToken = await tokens.get(signal);
        answer = await post(accessToken, body, signal);
      }
      const name = answer.status === 200 ? (parseJson(answer.text) as { name?: unknown } | undefined)?.name : undefined;
      if (typeof name === "string" && name !== "") return { providerMessageId: name };
      throw toDeliveryError(answer, message.token);
    },
  };
}

/** The v1 `Message`, holding only fields FCM documents; priority maps to each platform's own. */
function fcmMessage(m: PushMessage) {
  return {
    token: m.token,
    notification: { title: m.title, body: m.body },
    data: m.data,
    ...(m.priority && {
      android: { priority: m.priority },
      apns: { headers: { "apns-priority": m.priority === "high" ? "10" : "5" } },
    }),
  };
}

/**
 * Maps FCM's answer by its FcmError code first (HTTP status alone is ambiguous: a
 * 404 for a wrong project is not a dead token), then by the project's rule:
 * 401, 408, 429 and 5xx are transient, any other 4xx is rejected.
 */
function toDeliveryError(answer: Answer, deviceToken: string): Error {
  const { status } = answer;
  const error = googleError(answer);
  const code = fcmErrorCode(error);
  let what = `FCM answered ${status}${code || error?.status ? ` ${code ?? error?.status}` : ""}`;
  if (typeof error?.message === "string" && error.message !== "") {
    what += `: ${(deviceToken ? error.message.replaceAll(deviceToken, "<token>") : error.message).slice(0, 300)}`;
  }
  if (code === "UNREGISTERED" || code === "SENDER_ID_MISMATCH") return new PermanentDeliveryError(what, "unregistered");
  if (status === 400) return new PermanentDeliveryError(what, tokenIsInvalid(error) ? "unregistered" : "rejected");
  if (status === 401 || status === 408 || status === 429 || status >= 500) {
    return new TransientDeliveryError(what, retryAfterMs(answer.headers.get("retry-after")));
  }
  if (status >= 400) return new PermanentDeliveryError(what, "rejected");
  return new TransientDeliveryError(`${what} without a message name`);
}

/** The Google API error in an answer (`{error: {code, message, status, details}}`), if it holds one. */
interface GoogleError {
  code?: number;
  message?: string;
  status?: string;
  details?: Array<{ "@type"?: string; errorCode?: string; fieldViolations?: Array<{ field?: string }> }>;
}

function googleError(answer: Answer): GoogleError | undefined {
  return (parseJson(answer.text) as { error?: GoogleError } | undefined)?.error;
}

function fcmErrorCode(error: GoogleError | undefined): string | undefined {
  return error?.details?.find((d) => d["@type"] === FCM_ERROR)?.errorCode;
}

/**
 * INVALID_ARGUMENT covers any bad field; only a bad registration token makes the
 * device worth removing. FCM says so in the message (its documented example) or
 * with a BadRequest violation on `message.token`.
 */
function tokenIsInvalid(error: GoogleError | undefined): boolean {
  if (/registration token is not a valid FCM registration token/i.test(error?.message ?? "")) return true;
  return (error?.details ?? []).some(
    (d) => d["@type"] === BAD_REQUEST && (d.fieldViolations ?? []).some((v) => v.field === "message.token"),
  );
}
