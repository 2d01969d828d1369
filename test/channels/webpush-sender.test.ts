import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateVapidKeys } from "../../src/channels/vapid.js";
import { createWebPushSender, type WebPushMessage, type WebPushSender } from "../../src/channels/webpush-sender.js";
import { PermanentDeliveryError, TransientDeliveryError } from "../../src/domain/delivery-errors.js";
import { type FakePushService, type FakeSubscription, startFakePushService } from "../helpers/fake-push-service.js";

const vapid = { ...generateVapidKeys(), subject: "mailto:ops@herald.example" };
let push: FakePushService;
let sender: WebPushSender;

const message = (s: FakeSubscription, payload = '{"title":"t"}'): WebPushMessage => ({
  endpoint: s.endpoint,
  keys: s.keys,
  payload,
  ttlSeconds: 60,
  urgency: "normal",
});
const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e,
  );

beforeAll(async () => {
  push = await startFakePushService({ publicKey: vapid.publicKey, subject: vapid.subject });
  sender = createWebPushSender({ vapid, timeoutMs: 2_000, allowPrivateNetworks: true });
});
afterAll(async () => {
  sender?.close();
  await push?.close();
});

describe("the Web Push sender", () => {
  it("encrypts for the subscription and signs with VAPID; the receipt is the push service's Location", async () => {
    const s = push.subscribe();
    const receipt = await sender.send(message(s, '{"title":"héllo"}'));
    expect(receipt.providerMessageId).toMatch(new RegExp(`^${push.url}/m/`));
    expect(push.received.at(-1)).toMatchObject({ endpoint: s.endpoint, payload: { title: "héllo" }, ttl: 60 });
    expect(push.refused).toEqual([]);
  });

  it("maps the push service's answers: 404/410 unregistered, 400/413/403 rejected, 408/429/5xx transient", async () => {
    const s = push.subscribe();
    const cases: Array<[number, string | undefined, string, string | number | undefined]> = [
      [404, undefined, "unregistered", undefined],
      [410, undefined, "unregistered", undefined],
      [400, undefined, "rejected", undefined],
      [413, undefined, "rejected", undefined],
      [403, undefined, "rejected", undefined],
      [301, undefined, "rejected", undefined],
      [429, "7", "transient", 7_000],
      [503, undefined, "transient", undefined],
      [408, undefined, "transient", undefined],
    ];
    for (const [status, retryAfter, kind, waitMs] of cases) {
      push.failNext(1, { status, ...(retryAfter !== undefined && { retryAfter }) });
      const error = await failure(sender.send(message(s)));
      if (kind === "transient") {
        expect(error, String(status)).toBeInstanceOf(TransientDeliveryError);
        expect((error as TransientDeliveryError).retryAfterMs, String(status)).toBe(waitMs);
      } else {
        expect(error, String(status)).toBeInstanceOf(PermanentDeliveryError);
        expect((error as PermanentDeliveryError).reason, String(status)).toBe(kind);
      }
      expect((error as Error).message).toMatch(new RegExp(`^push service answered ${status}`));
    }
  });

  it("a subscription encrypted for other keys does not decrypt at the push service", async () => {
    const s = push.subscribe();
    const other = push.subscribe();
    const error = await failure(sender.send({ ...message(s), keys: other.keys }));
    expect((error as PermanentDeliveryError).reason).toBe("rejected");
    expect(push.refused.at(-1)).toMatch(/^decryption/);
  });

  it("is refused by the push service when signed with another key or subject (the fake checks VAPID)", async () => {
    const s = push.subscribe();
    for (const [other, why] of [
      [{ ...generateVapidKeys(), subject: vapid.subject }, /^k is not the expected/],
      [{ ...vapid, subject: "mailto:someone@else.example" }, /^sub is mailto:someone@else/],
    ] as const) {
      const impostor = createWebPushSender({ vapid: other, timeoutMs: 2_000, allowPrivateNetworks: true });
      try {
        const error = await failure(impostor.send(message(s)));
        expect((error as Error).message).toMatch(/^push service answered 403/);
        expect(push.refused.at(-1)).toMatch(why);
      } finally {
        impostor.close();
      }
    }
  });

  it("gives up on a push service that does not answer within the timeout, as a transient failure", async () => {
    const impatient = createWebPushSender({ vapid, timeoutMs: 300, allowPrivateNetworks: true });
    try {
      push.stallNext(1);
      const error = await failure(impatient.send(message(push.subscribe())));
      expect(error).toBeInstanceOf(TransientDeliveryError);
      expect((error as Error).message).toBe("push service request timed out");
    } finally {
      impatient.close();
    }
  });

  it("goes through the SSRF guard: a loopback endpoint is refused where private networks are not allowed", async () => {
    const guarded = createWebPushSender({ vapid, timeoutMs: 2_000, allowPrivateNetworks: false });
    try {
      const s = push.subscribe();
      const error = await failure(guarded.send(message(s)));
      expect(error).toBeInstanceOf(PermanentDeliveryError);
      expect((error as Error).message).toBe("refused: address not allowed");
      expect(push.requestsTo(s.endpoint)).toBe(0);
    } finally {
      guarded.close();
    }
  });
});
