/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com/): an
 * HMAC-SHA256 over `{id}.{timestamp}.{body}`, keyed with the bytes behind a
 * `whsec_` secret. Written here rather than taken from the `standardwebhooks`
 * package so the tests can check this code against that independent one.
 */
import { createHmac } from "node:crypto";

const SECRET_PREFIX = "whsec_";
/** The spec's bounds on the key behind a secret. */
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;
/** Canonical, padded standard base64: what receivers' libraries decode. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/**
 * A webhook-id travels in a header and starts the signed content, so it may not
 * hold a `.`: "a.1" at 2 and "a" at 1 with a body prefixed "2." would sign the same bytes.
 */
const WEBHOOK_ID = /^[\x21-\x2d\x2f-\x7e]{1,256}$/;

/** Why `secret` is not a usable Standard Webhooks secret, or null when it is. */
export function checkWebhookSecret(secret: string): string | null {
  if (!secret.startsWith(SECRET_PREFIX)) return `a webhook secret starts with "${SECRET_PREFIX}"`;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!BASE64.test(encoded)) return "a webhook secret is whsec_ followed by standard, padded base64";
  const bytes = Buffer.from(encoded, "base64").length;
  if (bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES) {
    return `a webhook secret holds ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes, not ${bytes}`;
  }
  return null;
}

/** The HMAC key behind a secret; throws a TypeError naming the problem when it is malformed. */
export function webhookSecretKey(secret: string): Buffer {
  const problem = checkWebhookSecret(secret);
  if (problem) throw new TypeError(problem);
  return Buffer.from(secret.slice(SECRET_PREFIX.length), "base64");
}

/**
 * The `webhook-signature` header value: one `v1,<base64>` per secret, space
 * separated, so a receiver still holding a rotated-out secret keeps verifying
 * during the grace period.
 *
 * @param secrets current first; at least one
 * @param id the `webhook-id` header, printable ASCII without `.`
 * @param timestamp the `webhook-timestamp` header, unix seconds
 * @param body the exact request body; it is signed as UTF-8, as it is sent
 */
export function signWebhook(secrets: string[], id: string, timestamp: number, body: string): string {
  if (secrets.length === 0) throw new TypeError("a webhook needs at least one secret to be signed");
  if (!WEBHOOK_ID.test(id)) throw new TypeError("a webhook id is 1-256 printable ASCII characters without '.'");
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new TypeError("a webhook timestamp is a whole number of seconds since the epoch");
  }
  const content = `${id}.${timestamp}.${body}`;
  return secrets
    .map((secret) => `v1,${createHmac("sha256", webhookSecretKey(secret)).update(content, "utf8").digest("base64")}`)
    .join(" ");
}
