import { createPrivateKey, type KeyObject } from "node:crypto";
import { SignJWT } from "jose";
import { PermanentDeliveryError, type ProviderReceipt, TransientDeliveryError } from "../domain/delivery-errors.js";
import { describeFailure, parseJson, retryAfterMs } from "./provider-http.js";

/** The fields of a Google service account key file (JSON) that sending needs. */
export interface ServiceAccount {
  /** The Firebase project messages are sent for. */
  project_id: string;
  /** The service account's email: the issuer of the token-request JWT. */
  client_email: string;
  /** PKCS#8 RSA private key in PEM, as in the key file. */
  private_key: string;
  /** Where access tokens come from; normally https://oauth2.googleapis.com/token. */
  token_uri: string;
}

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

/** A cached access token is replaced this long before Google's expiry, so it never expires mid-request. */
export const ACCESS_TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

const SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
const FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError";
const BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest";

type Answer = { status: number; headers: Headers; text: string };

/** Creates an FCM sender; checks the service account (and parses its key) at once. */
export function createPushSender(options: PushSenderOptions): PushSender {
  const account = options.serviceAccount;
  for (const field of ["project_id", "client_email", "private_key", "token_uri"] as const) {
    if (typeof account?.[field] !== "string" || account[field] === "") {
      throw new Error(`PushSenderOptions.serviceAccount.${field} is required`);
    }
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  const base = (options.baseUrl ?? "https://fcm.googleapis.com").replace(/\/+$/, "");
  const endpoint = `${base}/v1/projects/${encodeURIComponent(account.project_id)}/messages:send`;
  const tokens = createAccessTokens(account, rsaKey(account.private_key), timeoutMs);

  const post = (accessToken: string, body: string, signal?: AbortSignal) =>
    request(endpoint, { authorization: `Bearer ${accessToken}`, "content-type": "application/json" }, body, {
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

/** The service account's key, parsed once; a key that cannot sign RS256 is a configuration error. */
function rsaKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new Error("PushSenderOptions.serviceAccount.private_key is not a PEM private key", { cause: error });
  }
  if (key.asymmetricKeyType !== "rsa") throw new Error("PushSenderOptions.serviceAccount.private_key must be RSA");
  return key;
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

/**
 * OAuth2 access tokens from the service-account JWT bearer grant, cached until
 * shortly before they expire. Concurrent sends share one refresh: a burst after
 * expiry must not turn into a burst of token requests.
 */
function createAccessTokens(account: ServiceAccount, key: KeyObject, timeoutMs: number) {
  let current: { token: string; refreshAt: number } | undefined;
  let inflight: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ scope: SCOPE })
      .setProtectedHeader({ alg: "RS256", typ: "JWT" })
      .setIssuer(account.client_email)
      .setAudience(account.token_uri)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(key);
    const form = new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion });
    const headers = { "content-type": "application/x-www-form-urlencoded" };
    const answer = await request(account.token_uri, headers, form.toString(), { timeoutMs, what: "token request" });
    const body = parseJson(answer.text) as
      | { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown }
      | undefined;
    if (answer.status !== 200 || typeof body?.access_token !== "string") {
      // Bad key, deleted account, endpoint down: none of it is about the message, so retry it later.
      const reason = body?.error ? `: ${String(body.error)}: ${String(body.error_description ?? "")}` : "";
      const retryAfter = retryAfterMs(answer.headers.get("retry-after"));
      throw new TransientDeliveryError(`Google token endpoint answered ${answer.status}${reason}`, retryAfter);
    }
    const lifetimeMs = typeof body.expires_in === "number" ? body.expires_in * 1000 : 3600_000;
    current = { token: body.access_token, refreshAt: Date.now() + lifetimeMs - ACCESS_TOKEN_REFRESH_MARGIN_MS };
    return body.access_token;
  }

  return {
    /** A token good for the next request. A caller's abort stops its wait, not the shared refresh. */
    get(signal?: AbortSignal): Promise<string> {
      if (current && Date.now() < current.refreshAt) return Promise.resolve(current.token);
      inflight ??= fetchToken()
        .catch((error: unknown) => {
          // Only a signing failure gets here unconverted (a key jose refuses, under 2048 bits).
          if (error instanceof TransientDeliveryError) throw error;
          throw new TransientDeliveryError("could not sign the access token request", undefined, { cause: error });
        })
        .finally(() => {
          inflight = undefined;
        });
      return untilAborted(inflight, signal);
    },
    /** Drops `token` after FCM refused it, unless a newer one already replaced it. */
    invalidate(token: string): void {
      if (current?.token === token) current = undefined;
    },
  };
}

/** One HTTP POST; network failures, timeouts and aborts become TransientDeliveryError. */
async function request(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { signal?: AbortSignal; timeoutMs: number; what: string },
): Promise<Answer> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { ...headers, accept: "application/json" },
      body,
      // Google does not redirect these endpoints; following one would turn the POST into a GET.
      redirect: "manual",
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  } catch (error) {
    throw new TransientDeliveryError(
      `${options.what} failed: ${describeFailure(error, options.timeoutMs)}`,
      undefined,
      {
        cause: error,
      },
    );
  }
}

function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () =>
      reject(new TransientDeliveryError("push send aborted by the caller", undefined, { cause: signal.reason }));
    // Settle handlers first, so a refresh failing after every waiter left is still handled.
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
}
