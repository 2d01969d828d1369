import { createECDH, createPublicKey, type ECDH, randomBytes, randomUUID, verify } from "node:crypto";
import http from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { waitFor } from "./wait.js";

/** http_ece (RFC 8188) has no types; the one call the fake makes. */
const ece = createRequire(import.meta.url)("http_ece") as {
  decrypt(body: Buffer, params: { version: "aes128gcm"; privateKey: ECDH; authSecret: Buffer }): Buffer;
};

/** A browser's subscription on this push service: what pushManager.subscribe() would give, and its private half. */
export interface FakeSubscription {
  endpoint: string;
  /** As PushSubscription.toJSON() gives them. */
  keys: { p256dh: string; auth: string };
  /** The browser's private key, which decrypts what is pushed to it. */
  ecdh: ECDH;
  authSecret: Buffer;
}

/** A message the service accepted: VAPID verified, body decrypted. */
export interface ReceivedPush {
  endpoint: string;
  /** The decrypted body, parsed as JSON. */
  payload: Record<string, unknown>;
  ttl: number;
  urgency: string | undefined;
  /** The VAPID JWT's claims. */
  claims: { aud: string; exp: number; sub: string };
}

export interface PushFailure {
  status: number;
  retryAfter?: string;
  body?: string;
}

export interface FakePushService {
  /** Origin of the service (http://127.0.0.1:port). */
  url: string;
  /** A new subscription, its ECDH P-256 key pair and 16-byte auth secret made here as a browser makes them. */
  subscribe(): FakeSubscription;
  /** From now on, the subscription is gone: 410. */
  expire(endpoint: string): void;
  /** The next `count` requests (of any subscription) get this answer. */
  failNext(count: number, failure: PushFailure): void;
  /** The next `count` requests get no answer (until close), for the sender's timeout. */
  stallNext(count: number): void;
  /** Messages accepted, oldest first. */
  received: ReceivedPush[];
  /** Requests refused for a bad VAPID header or a body that did not decrypt, with why. */
  refused: string[];
  /** Requests to one endpoint, whatever their answer. */
  requestsTo(endpoint: string): number;
  waitForReceived(count: number, timeoutMs?: number): Promise<ReceivedPush[]>;
  close(): Promise<void>;
}

/**
 * A push service on 127.0.0.1 that checks what a real one checks and proves
 * the encryption: the VAPID header (`vapid t=<JWT>, k=<key>`, RFC 8292) must
 * carry the expected public key, an ES256 signature that verifies with it,
 * `aud` = this origin, `exp` within 24 h and `sub` = the expected subject; the
 * aes128gcm body (RFC 8291) must decrypt with the subscription's private key
 * and auth secret. It answers 201 with a Location, as RFC 8030 says.
 */
export async function startFakePushService(expected: { publicKey: string; subject: string }): Promise<FakePushService> {
  const subscriptions = new Map<string, FakeSubscription>();
  const gone = new Set<string>();
  const failures: PushFailure[] = [];
  let stalls = 0;
  const counts = new Map<string, number>();
  const received: ReceivedPush[] = [];
  const refused: string[] = [];

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const endpoint = `${url}${req.url}`;
    counts.set(endpoint, (counts.get(endpoint) ?? 0) + 1);
    const answer = (status: number, headers: Record<string, string> = {}, body = "") => {
      res.writeHead(status, headers).end(body);
    };
    if (stalls > 0) {
      stalls--;
      return;
    }
    const failure = failures.shift();
    if (failure !== undefined) {
      return answer(failure.status, failure.retryAfter ? { "retry-after": failure.retryAfter } : {}, failure.body);
    }
    const subscription = subscriptions.get(endpoint);
    if (req.method !== "POST" || subscription === undefined) return answer(404);
    if (gone.has(endpoint)) return answer(410, {}, '{"errno":106,"message":"subscription expired"}');
    const claims = checkVapid(req.headers.authorization, expected, url);
    if (typeof claims === "string") {
      refused.push(claims);
      return answer(403, {}, claims);
    }
    if (req.headers["content-encoding"] !== "aes128gcm") {
      refused.push(`content-encoding ${req.headers["content-encoding"]}`);
      return answer(400);
    }
    let payload: Record<string, unknown>;
    try {
      const plain = ece.decrypt(Buffer.concat(chunks), {
        version: "aes128gcm",
        privateKey: subscription.ecdh,
        authSecret: subscription.authSecret,
      });
      payload = JSON.parse(plain.toString("utf8")) as Record<string, unknown>;
    } catch (error) {
      refused.push(`decryption: ${(error as Error).message}`);
      return answer(400);
    }
    const urgency = req.headers.urgency;
    received.push({ endpoint, payload, ttl: Number(req.headers.ttl), urgency: urgency as string | undefined, claims });
    answer(201, { location: `${url}/m/${randomUUID()}` });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    subscribe() {
      const ecdh = createECDH("prime256v1");
      ecdh.generateKeys();
      const authSecret = randomBytes(16);
      const endpoint = `${url}/push/${randomUUID()}`;
      const subscription = {
        endpoint,
        keys: { p256dh: ecdh.getPublicKey("base64url"), auth: authSecret.toString("base64url") },
        ecdh,
        authSecret,
      };
      subscriptions.set(endpoint, subscription);
      return subscription;
    },
    expire: (endpoint) => void gone.add(endpoint),
    failNext(count, failure) {
      for (let i = 0; i < count; i++) failures.push(failure);
    },
    stallNext(count) {
      stalls += count;
    },
    received,
    refused,
    requestsTo: (endpoint) => counts.get(endpoint) ?? 0,
    waitForReceived: (count, timeoutMs = 15_000) =>
      waitFor(() => received.length >= count && received, timeoutMs, `${count} push messages`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The VAPID JWT's claims when the header is right, else why not. */
function checkVapid(
  header: string | undefined,
  expected: { publicKey: string; subject: string },
  origin: string,
): ReceivedPush["claims"] | string {
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(header ?? "");
  if (match === null) return `authorization is not "vapid t=<JWT>, k=<key>": ${header}`;
  const [, jwt = "", key = ""] = match;
  if (key !== expected.publicKey) return "k is not the expected VAPID public key";
  const [head = "", body = "", signature = ""] = jwt.split(".");
  const point = Buffer.from(key, "base64url");
  const publicKey = createPublicKey({
    key: {
      kty: "EC",
      crv: "P-256",
      x: point.subarray(1, 33).toString("base64url"),
      y: point.subarray(33, 65).toString("base64url"),
    },
    format: "jwk",
  });
  const signed = verify(
    "sha256",
    Buffer.from(`${head}.${body}`),
    { key: publicKey, dsaEncoding: "ieee-p1363" },
    Buffer.from(signature, "base64url"),
  );
  if (!signed) return "the JWT's ES256 signature does not verify with k";
  const alg = (JSON.parse(Buffer.from(head, "base64url").toString()) as { alg?: string }).alg;
  if (alg !== "ES256") return `alg is ${alg}`;
  const claims = JSON.parse(Buffer.from(body, "base64url").toString()) as ReceivedPush["claims"];
  const now = Date.now() / 1000;
  if (claims.aud !== origin) return `aud is ${claims.aud}, not ${origin}`;
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) return `exp ${claims.exp} is not within 24 h`;
  if (claims.sub !== expected.subject) return `sub is ${claims.sub}`;
  return claims;
}
