import { createECDH, ECDH } from "node:crypto";

/**
 * VAPID (RFC 8292): the key pair that identifies this server to browsers' push
 * services. Browsers bind a subscription to the public key they were given
 * (`applicationServerKey`), so a new pair makes every existing subscription
 * useless: generate it once (`herald vapid generate`) and keep it.
 */
export interface VapidKeys {
  /** Uncompressed P-256 point, base64url without padding (87 characters). */
  publicKey: string;
  /** The private scalar, base64url without padding (43 characters). */
  privateKey: string;
  /** Who runs this server, for push services to reach: a mailto: or https: URL (the JWT's `sub`). */
  subject: string;
}

/** A new key pair, as the WEBPUSH_VAPID_* variables take it. */
export function generateVapidKeys(): Omit<VapidKeys, "subject"> {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const scalar = ecdh.getPrivateKey();
  return {
    publicKey: ecdh.getPublicKey().toString("base64url"),
    // Node drops leading zero bytes; VAPID's private key is always 32 bytes.
    privateKey: Buffer.concat([Buffer.alloc(32 - scalar.length), scalar]).toString("base64url"),
  };
}

const base64url = /^[A-Za-z0-9_-]+$/;

/** What is wrong with a key pair (each key named by `names`), or null when the private key makes the public one. */
export function checkVapidKeys(
  keys: Omit<VapidKeys, "subject">,
  names = { publicKey: "WEBPUSH_VAPID_PUBLIC_KEY", privateKey: "WEBPUSH_VAPID_PRIVATE_KEY" },
): string | null {
  if (!base64url.test(keys.publicKey) || Buffer.from(keys.publicKey, "base64url").length !== 65) {
    return `${names.publicKey} must be an uncompressed P-256 public key in base64url (87 characters; herald vapid generate makes one)`;
  }
  if (!isP256Point(keys.publicKey)) return `${names.publicKey} is not a point of the P-256 curve`;
  if (!base64url.test(keys.privateKey) || Buffer.from(keys.privateKey, "base64url").length !== 32) {
    return `${names.privateKey} must be a P-256 private key in base64url (43 characters; herald vapid generate makes one)`;
  }
  try {
    const ecdh = createECDH("prime256v1");
    ecdh.setPrivateKey(Buffer.from(keys.privateKey, "base64url"));
    if (ecdh.getPublicKey("base64url") !== keys.publicKey) {
      return `${names.privateKey} is not the private key of ${names.publicKey}`;
    }
  } catch {
    return `${names.privateKey} is not a valid P-256 private key`;
  }
  return null;
}

/** What is wrong with a VAPID subject (named `name`), or null: push services ask for a mailto: or https: URL. */
export function checkVapidSubject(subject: string, name = "WEBPUSH_SUBJECT"): string | null {
  let url: URL;
  try {
    url = new URL(subject);
  } catch {
    return `${name} must be a mailto: or https: URL saying who runs this server (mailto:ops@example.com)`;
  }
  if (url.protocol === "mailto:")
    return url.pathname.includes("@") ? null : `${name} must name an address after mailto:`;
  if (url.protocol !== "https:") return `${name} must be a mailto: or https: URL, not ${url.protocol}`;
  // Apple's push service refuses a localhost subject (BadJwtToken).
  if (url.hostname === "localhost") return `${name} must not be a localhost URL: push services refuse it`;
  return null;
}

/** Whether a base64url string is an uncompressed point of P-256 (a browser's p256dh, a VAPID public key). */
export function isP256Point(value: string): boolean {
  const bytes = Buffer.from(value, "base64url");
  if (bytes.length !== 65 || bytes[0] !== 0x04) return false;
  try {
    ECDH.convertKey(bytes, "prime256v1");
    return true;
  } catch {
    return false;
  }
}
