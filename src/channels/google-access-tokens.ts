/** Google OAuth2 access tokens for a service account (what FCM HTTP v1 calls need), shared and refreshed ahead of expiry. */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { SignJWT } from "jose";
import { TransientDeliveryError } from "../domain/delivery-errors.js";
import { parseJson, postToProvider, retryAfterMs } from "./provider-http.js";

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

/** The key file's fields sending needs, each a non-empty string. */
export const serviceAccountFields = ["project_id", "client_email", "private_key", "token_uri"] as const;

/** A cached access token is replaced this long before Google's expiry, so it never expires mid-request. */
export const ACCESS_TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

const SCOPE = "https://www.googleapis.com/auth/firebase.messaging";

/** The service account's key, parsed once; a key that cannot sign RS256 is a configuration error. */
export function rsaKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new Error("PushSenderOptions.serviceAccount.private_key is not a PEM private key", { cause: error });
  }
  if (key.asymmetricKeyType !== "rsa") throw new Error("PushSenderOptions.serviceAccount.private_key must be RSA");
  return key;
}

/**
 * OAuth2 access tokens from the service-account JWT bearer grant, cached until
 * shortly before they expire. Concurrent sends share one refresh: a burst after
 * expiry must not turn into a burst of token requests.
 */
export function createAccessTokens(account: ServiceAccount, key: KeyObject, timeoutMs: number) {
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
    const answer = await postToProvider(account.token_uri, headers, form.toString(), {
      timeoutMs,
      what: "token request",
    });
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
