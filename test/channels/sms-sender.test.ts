import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSmsSender, type SmsSenderOptions } from "../../src/channels/sms-sender.js";
import { PermanentDeliveryError, TransientDeliveryError } from "../../src/domain/delivery-errors.js";
import { type FakeTwilio, startFakeTwilio } from "../helpers/fake-twilio.js";
import { rejection } from "../helpers/wait.js";

let twilio: FakeTwilio;
beforeAll(async () => {
  twilio = await startFakeTwilio();
});
afterAll(() => twilio.close());
beforeEach(() => {
  twilio.messages.length = 0;
});

const sender = (overrides: Partial<SmsSenderOptions> = {}) =>
  createSmsSender({
    baseUrl: twilio.url,
    accountSid: twilio.accountSid,
    authToken: twilio.authToken,
    from: "+15005550006",
    ...overrides,
  });

describe("accepted messages", () => {
  it("posts the form with basic auth and returns Twilio's SID", async () => {
    const body = "Your code is 123 456 & more: ü, 🎉, a+b=c";
    const receipt = await sender().send({ to: "+14155550100", body });
    expect(twilio.messages).toEqual([
      expect.objectContaining({ to: "+14155550100", from: "+15005550006", messagingServiceSid: null, body }),
    ]);
    expect(twilio.messages[0]?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(receipt.providerMessageId).toBe(twilio.messages[0]?.sid);
    expect(receipt.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
  });

  it("sends through a Messaging Service instead of a From number", async () => {
    const messagingServiceSid = `MG${"0".repeat(32)}`;
    await sender({ from: undefined, messagingServiceSid }).send({ to: "+447700900123", body: "hi" });
    expect(twilio.messages).toEqual([expect.objectContaining({ from: null, messagingServiceSid })]);
  });

  it("refuses options without exactly one sender", () => {
    expect(() => sender({ from: undefined })).toThrow(/exactly one/);
    expect(() => sender({ messagingServiceSid: `MG${"0".repeat(32)}` })).toThrow(/exactly one/);
  });
});

describe("permanent failures", () => {
  it("a number Twilio refuses (21211) is rejected, with the code and without the number", async () => {
    const err = await rejection(sender().send({ to: "+0 415-555-0100", body: "hi" }));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err).toMatchObject({ reason: "rejected" });
    expect(err.message).toContain("400");
    expect(err.message).toContain("21211");
    expect(err.message).toContain("is not a valid phone number");
    expect(err.message).not.toMatch(/415|555|0100/);
    expect(twilio.messages).toHaveLength(0);
  });

  it("a body over 1600 characters is rejected with 21617", async () => {
    const err = await rejection(sender().send({ to: "+14155550100", body: "x".repeat(1601) }));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err.message).toContain("21617");
  });

  it("wrong credentials (401, 20003) are a 4xx like any other: rejected", async () => {
    const err = await rejection(sender({ authToken: "wrong" }).send({ to: "+14155550100", body: "hi" }));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err.message).toContain("401");
    expect(err.message).toContain("20003");
    expect(twilio.messages).toHaveLength(0);
  });
});

describe("transient failures", () => {
  it("429 with Retry-After in seconds: transient, retryAfterMs set; the next send goes through", async () => {
    twilio.failNext(1, { status: 429, code: 20429, message: "Too Many Requests", retryAfter: "7" });
    const err = await rejection(sender().send({ to: "+14155550100", body: "hi" }));
    expect(err).toBeInstanceOf(TransientDeliveryError);
    expect(err).toMatchObject({ retryAfterMs: 7000 });
    expect(err.message).toContain("20429");
    await sender().send({ to: "+14155550100", body: "hi" });
    expect(twilio.messages).toHaveLength(1);
  });

  it("Retry-After as an HTTP-date is honoured too", async () => {
    twilio.failNext(1, { status: 503, retryAfter: new Date(Date.now() + 120_000).toUTCString() });
    const err = await rejection(sender().send({ to: "+14155550100", body: "hi" }));
    expect(err).toBeInstanceOf(TransientDeliveryError);
    const { retryAfterMs } = err as TransientDeliveryError;
    expect(retryAfterMs).toBeGreaterThan(110_000);
    expect(retryAfterMs).toBeLessThanOrEqual(120_000);
  });

  it.each([
    [503, undefined],
    [500, "<html><body>Internal Server Error</body></html>"],
    [408, undefined],
  ])("%i is transient, with no retryAfterMs when there is no Retry-After", async (status, rawBody) => {
    twilio.failNext(1, { status, rawBody });
    const err = await rejection(sender().send({ to: "+14155550100", body: "hi" }));
    expect(err).toBeInstanceOf(TransientDeliveryError);
    expect(err.message).toContain(String(status));
    expect((err as TransientDeliveryError).retryAfterMs).toBeUndefined();
  });

  it("a refused connection is transient", async () => {
    const gone = await startFakeTwilio();
    await gone.close();
    const err = await rejection(sender({ baseUrl: gone.url }).send({ to: "+14155550100", body: "hi" }));
    expect(err).toBeInstanceOf(TransientDeliveryError);
    expect(err.message).toContain("ECONNREFUSED");
  });

  it("no answer within timeoutMs is transient, and the send gives up on time", async () => {
    twilio.stallNext(1);
    const started = Date.now();
    const err = await rejection(sender({ timeoutMs: 200 }).send({ to: "+14155550100", body: "hi" }));
    expect(err).toBeInstanceOf(TransientDeliveryError);
    expect(err.message).toContain("200 ms");
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("an abort by the caller is transient", async () => {
    twilio.stallNext(1);
    const controller = new AbortController();
    const sent = sender().send({ to: "+14155550100", body: "hi" }, controller.signal);
    setTimeout(() => controller.abort(), 50);
    const err = await rejection(sent);
    expect(err).toBeInstanceOf(TransientDeliveryError);
    expect(err.message).toContain("aborted");
  });
});
