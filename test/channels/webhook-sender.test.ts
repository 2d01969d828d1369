import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkWebhookUrl, guardedLookup, PrivateNetworkError } from "../../src/channels/network-guard.js";
import { createWebhookSender, type WebhookSender } from "../../src/channels/webhook-sender.js";
import { PermanentDeliveryError, TransientDeliveryError } from "../../src/domain/delivery-errors.js";
import { generateWebhookSecret } from "../../src/usecases/webhook-secret.js";
import { rejection } from "../helpers/wait.js";
import { startWebhookReceiver, type WebhookReceiver } from "../helpers/webhook-receiver.js";

const payload = { type: "notification.created", data: { title: "Grüße", count: 3, tags: ["a", "b"] } };

describe("webhook sender", () => {
  let secret: string;
  let receiver: WebhookReceiver;
  let sender: WebhookSender;

  beforeEach(async () => {
    secret = generateWebhookSecret();
    receiver = await startWebhookReceiver({ secret });
    sender = createWebhookSender({ allowPrivateNetworks: true, timeoutMs: 2000 });
  });

  afterEach(async () => {
    sender.close();
    await receiver.close();
  });

  it("delivers a signed webhook the reference implementation verifies", async () => {
    const id = randomUUID();
    const timestamp = new Date();
    const receipt = await sender.send({ url: receiver.url, secrets: [secret], id, timestamp, payload });
    expect(receipt).toEqual({ providerMessageId: "HTTP 200" });
    const [delivery] = await receiver.waitFor(1, 2000);
    expect(delivery?.id).toBe(id);
    expect(delivery?.timestamp).toBe(Math.floor(timestamp.getTime() / 1000));
    expect(delivery?.payload).toEqual(payload);
    expect(delivery?.rawBody).toBe(JSON.stringify(payload));
    expect(delivery?.headers["content-type"]).toBe("application/json");
    expect(delivery?.headers["user-agent"]).toBe("Herald-Webhooks/1");
    expect(receiver.rejected).toBe(0);
  });

  it("reports the receiver's request id and reuses the kept-alive connection", async () => {
    receiver.respond({ status: 202, headers: { "x-request-id": "rcv-42" } });
    const first = await sender.send({ url: receiver.url, secrets: [secret], id: randomUUID(), payload });
    const second = await sender.send({ url: receiver.url, secrets: [secret], id: randomUUID(), payload });
    expect(first.providerMessageId).toBe("rcv-42");
    expect(second.providerMessageId).toBe("HTTP 200");
    expect(receiver.connections).toBe(1);
  });

  it("signs with every live secret, so a rotation keeps old and new receivers verifying", async () => {
    const next = generateWebhookSecret();
    const message = { url: receiver.url, secrets: [next, secret], payload };
    // The receiver has not picked up the new secret yet: the old signature carries it.
    await sender.send({ ...message, id: "rotation-1" });
    receiver.setSecret(next);
    await sender.send({ ...message, id: "rotation-2" });
    expect((await receiver.waitFor(2, 2000)).map((d) => d.id)).toEqual(["rotation-1", "rotation-2"]);
    expect(receiver.deliveries[0]?.headers["webhook-signature"]?.toString().split(" ")).toHaveLength(2);
    // Once the old secret is dropped, a receiver still on it no longer verifies.
    receiver.setSecret(secret);
    const error = await rejection(sender.send({ ...message, secrets: [next], id: "rotation-3" }));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(receiver.rejected).toBe(1);
  });

  it("treats 410 Gone as a permanent failure that disables the endpoint", async () => {
    receiver.respond({ status: 410 });
    const error = await rejection(sender.send({ url: receiver.url, secrets: [secret], id: randomUUID(), payload }));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect((error as PermanentDeliveryError).reason).toBe("gone");
  });

  it("retries 503 after the receiver's Retry-After seconds", async () => {
    receiver.respond({ status: 503, retryAfter: "7" });
    const error = await rejection(sender.send({ url: receiver.url, secrets: [secret], id: randomUUID(), payload }));
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect((error as TransientDeliveryError).retryAfterMs).toBe(7000);
    expect(error.message).toBe("HTTP 503");
  });

  it("reads a Retry-After HTTP-date on 429 and retries 408 without one", async () => {
    receiver.respond({ status: 429, retryAfter: new Date(Date.now() + 30_000).toUTCString() });
    receiver.respond({ status: 408 });
    const limited = await rejection(sender.send({ url: receiver.url, secrets: [secret], id: randomUUID(), payload }));
    expect(limited).toBeInstanceOf(TransientDeliveryError);
    // HTTP-dates have whole seconds: up to a second (and the request's time) less than asked.
    expect((limited as TransientDeliveryError).retryAfterMs).toBeGreaterThan(27_000);
    expect((limited as TransientDeliveryError).retryAfterMs).toBeLessThanOrEqual(30_000);
    const timedOut = await rejection(sender.send({ url: receiver.url, secrets: [secret], id: randomUUID(), payload }));
    expect(timedOut).toBeInstanceOf(TransientDeliveryError);
    expect((timedOut as TransientDeliveryError).retryAfterMs).toBeUndefined();
  });

  it("gives up on 400 for good", async () => {
    receiver.respond({ status: 400 });
    const error = await rejection(sender.send({ url: receiver.url, secrets: [secret], id: randomUUID(), payload }));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect((error as PermanentDeliveryError).reason).toBe("rejected");
  });

  it("does not follow a redirect", async () => {
    receiver.respond({ status: 302, headers: { location: `${receiver.url}/elsewhere` } });
    const error = await rejection(sender.send({ url: receiver.url, secrets: [secret], id: randomUUID(), payload }));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect((error as PermanentDeliveryError).reason).toBe("rejected");
    expect(error.message).toBe("HTTP 302 (redirects are not followed)");
    expect(receiver.requests).toBe(1);
  });

  it("retries a receiver slower than timeoutMs, without waiting for it", async () => {
    const impatient = createWebhookSender({ allowPrivateNetworks: true, timeoutMs: 200 });
    receiver.delay(3000);
    const started = Date.now();
    const error = await rejection(impatient.send({ url: receiver.url, secrets: [secret], id: randomUUID(), payload }));
    impatient.close();
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.message).toBe("timed out");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("counts a 2xx whose body stalls as sent, not as a timeout to retry", async () => {
    const stalling = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200);
        res.write("got it, more to come");
      });
    });
    await new Promise<void>((resolve) => stalling.listen(0, "127.0.0.1", resolve));
    const { port } = stalling.address() as AddressInfo;
    const patient = createWebhookSender({ allowPrivateNetworks: true, timeoutMs: 5_000 });
    try {
      const receipt = await patient.send({
        url: `http://127.0.0.1:${port}/`,
        secrets: [secret],
        id: randomUUID(),
        payload,
      });
      expect(receipt).toEqual({ providerMessageId: "HTTP 200" });
    } finally {
      patient.close();
      stalling.closeAllConnections();
      await new Promise<void>((resolve) => stalling.close(() => resolve()));
    }
  });

  it("stops when the caller aborts", async () => {
    receiver.delay(3000);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const started = Date.now();
    const error = await rejection(
      sender.send({ url: receiver.url, secrets: [secret], id: randomUUID(), payload }, abort.signal),
    );
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.message).toBe("aborted");
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("retries a refused connection", async () => {
    const url = receiver.url;
    await receiver.close();
    receiver = await startWebhookReceiver({ secret });
    const error = await rejection(sender.send({ url, secrets: [secret], id: randomUUID(), payload }));
    expect(error).toBeInstanceOf(TransientDeliveryError);
    // A category, not the address and errno: admins read it, and it must not map the network.
    expect(error.message).toBe("connection refused");
    expect(error.message).not.toContain(new URL(url).port);
  });

  it("refuses, for good, a payload it cannot serialise or a malformed secret", async () => {
    const unserialisable = await rejection(
      sender.send({ url: receiver.url, secrets: [secret], id: randomUUID(), payload: { n: 1n } }),
    );
    expect(unserialisable).toBeInstanceOf(PermanentDeliveryError);
    const badSecret = await rejection(
      sender.send({ url: receiver.url, secrets: ["whsec_x"], id: randomUUID(), payload }),
    );
    expect(badSecret).toBeInstanceOf(PermanentDeliveryError);
    expect(receiver.requests).toBe(0);
  });
});

describe("network guard", () => {
  let receiver: WebhookReceiver;
  let secret: string;

  beforeEach(async () => {
    secret = generateWebhookSecret();
    receiver = await startWebhookReceiver({ secret });
  });

  afterEach(async () => {
    await receiver.close();
  });

  it("refuses loopback targets unless private networks are allowed", async () => {
    const guarded = createWebhookSender({ allowPrivateNetworks: false, timeoutMs: 2000 });
    const open = createWebhookSender({ allowPrivateNetworks: true, timeoutMs: 2000 });
    try {
      const message = { url: receiver.url, secrets: [secret], id: randomUUID(), payload };
      const error = await rejection(guarded.send(message));
      expect(error).toBeInstanceOf(PermanentDeliveryError);
      expect((error as PermanentDeliveryError).reason).toBe("rejected");
      expect(error.message).toBe("refused: address not allowed");
      expect(receiver.requests).toBe(0);
      await open.send(message);
      expect(receiver.deliveries).toHaveLength(1);
    } finally {
      guarded.close();
      open.close();
    }
  });

  it("checks the addresses a name resolves to when connecting", async () => {
    // https passes the registration check; localhost resolving to loopback must still be refused.
    const guarded = createWebhookSender({ allowPrivateNetworks: false, timeoutMs: 2000 });
    const port = new URL(receiver.url).port;
    try {
      const error = await rejection(
        guarded.send({ url: `https://localhost:${port}/hooks`, secrets: [secret], id: randomUUID(), payload }),
      );
      expect(error).toBeInstanceOf(PermanentDeliveryError);
      expect(error.message).toBe("refused: address not allowed");
      expect(error.cause).toBeInstanceOf(PrivateNetworkError);
      expect(receiver.connections).toBe(0);
    } finally {
      guarded.close();
    }
  });

  it("refuses a name with any private address, however the lookup is asked", async () => {
    for (const all of [true, false]) {
      const error = await new Promise<unknown>((resolve) => guardedLookup("localhost", { all }, resolve));
      expect(error).toBeInstanceOf(PrivateNetworkError);
    }
  });

  it("rejects unacceptable URLs at registration", () => {
    const strict = { allowPrivateNetworks: false };
    expect(checkWebhookUrl("http://10.0.0.1/hook", strict)).toMatch(
      /10\.0\.0\.1 is a private or special-purpose address/,
    );
    expect(checkWebhookUrl("https://10.0.0.1/hook", strict)).toMatch(/private or special-purpose address/);
    expect(checkWebhookUrl("http://[::1]/hook", strict)).toMatch(/::1 is a private or special-purpose address/);
    expect(checkWebhookUrl("http://169.254.169.254/latest/meta-data", strict)).toMatch(
      /private or special-purpose address/,
    );
    expect(checkWebhookUrl("https://[::ffff:192.168.1.1]/", strict)).toMatch(/private or special-purpose address/);
    expect(checkWebhookUrl("https://0x7f.1/", strict)).toMatch(/127\.0\.0\.1 is a private or special-purpose address/);
    expect(checkWebhookUrl("https://[fd12::1]/", strict)).toMatch(/private or special-purpose address/);
    expect(checkWebhookUrl("https://100.64.1.1/", strict)).toMatch(/private or special-purpose address/);
    expect(checkWebhookUrl("https://user:pw@example.com/hook", strict)).toMatch(/credentials/);
    expect(checkWebhookUrl("ftp://x", strict)).toMatch(/only http and https/);
    expect(checkWebhookUrl("not a url", strict)).toMatch(/not a valid URL/);
    expect(checkWebhookUrl("http://example.com/hook", strict)).toMatch(/must use https/);
    expect(checkWebhookUrl("https://example.com/hook", strict)).toBeNull();
    expect(checkWebhookUrl("https://8.8.8.8/hook", strict)).toBeNull();
  });

  it("lets private and plain-http URLs through when allowed, but never credentials or other schemes", () => {
    const open = { allowPrivateNetworks: true };
    expect(checkWebhookUrl("http://10.0.0.1/hook", open)).toBeNull();
    expect(checkWebhookUrl("http://[::1]:8080/hook", open)).toBeNull();
    expect(checkWebhookUrl("https://user:pw@example.com/hook", open)).toMatch(/credentials/);
    expect(checkWebhookUrl("ftp://x", open)).toMatch(/only http and https/);
  });
});
