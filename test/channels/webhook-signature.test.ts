import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { checkWebhookSecret, signWebhook, webhookSecretKey } from "../../src/channels/webhook-signature.js";
import { generateWebhookSecret } from "../../src/usecases/webhook-secret.js";

// The example in the Standard Webhooks reference libraries' own tests.
const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const timestamp = 1614265330;
const body = '{"test": 2432232314}';

describe("signWebhook", () => {
  it("computes the same signature as the reference implementation", () => {
    const reference = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
    expect(reference).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    expect(signWebhook([secret], id, timestamp, body)).toBe(reference);
  });

  it("signs the body's UTF-8 bytes, as sent", () => {
    const unicode = JSON.stringify({ text: "Grüße, 世界 🎉" });
    expect(signWebhook([secret], id, timestamp, unicode)).toBe(
      new Webhook(secret).sign(id, new Date(timestamp * 1000), Buffer.from(unicode, "utf8")),
    );
  });

  it("gives one space-separated signature per secret, each verifiable alone", () => {
    const secrets = [generateWebhookSecret(), secret, generateWebhookSecret()];
    const now = Math.floor(Date.now() / 1000);
    const header = signWebhook(secrets, id, now, body);
    const parts = header.split(" ");
    expect(parts).toHaveLength(3);
    for (const [i, part] of parts.entries()) {
      expect(part).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      // Each secret verifies the header with only its own signature in it...
      const alone = { "webhook-id": id, "webhook-timestamp": String(now), "webhook-signature": part };
      expect(new Webhook(secrets[i] as string).verify(body, alone)).toEqual({ test: 2432232314 });
      // ...and the full header, as a receiver holding any one of them sees it.
      expect(new Webhook(secrets[i] as string).verify(body, { ...alone, "webhook-signature": header })).toEqual({
        test: 2432232314,
      });
    }
    // A secret that was not used verifies nothing.
    expect(() =>
      new Webhook(generateWebhookSecret()).verify(body, {
        "webhook-id": id,
        "webhook-timestamp": String(now),
        "webhook-signature": header,
      }),
    ).toThrow(/No matching signature/);
  });

  it("refuses what would make an ambiguous or unusable header", () => {
    expect(() => signWebhook([], id, timestamp, body)).toThrow(/at least one secret/);
    expect(() => signWebhook([secret], "a.1", timestamp, body)).toThrow(/without '.'/);
    expect(() => signWebhook([secret], "two words", timestamp, body)).toThrow(/printable ASCII/);
    expect(() => signWebhook([secret], id, 1.5, body)).toThrow(/whole number/);
    expect(() => signWebhook(["whsec_short"], id, timestamp, body)).toThrow(/whsec_/);
  });
});

describe("webhook secrets", () => {
  it("generates distinct whsec_ secrets of 32 random bytes", () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
    expect(checkWebhookSecret(a)).toBeNull();
    expect(webhookSecretKey(a)).toHaveLength(32);
  });

  it("accepts 24 to 64 bytes of canonical base64 behind whsec_", () => {
    const of = (bytes: number) => `whsec_${Buffer.alloc(bytes, 7).toString("base64")}`;
    expect(checkWebhookSecret(of(24))).toBeNull();
    expect(checkWebhookSecret(of(64))).toBeNull();
    expect(checkWebhookSecret(of(23))).toMatch(/24 to 64 bytes, not 23/);
    expect(checkWebhookSecret(of(65))).toMatch(/not 65/);
    expect(checkWebhookSecret(of(32).slice("whsec_".length))).toMatch(/starts with "whsec_"/);
    expect(checkWebhookSecret(`${of(32).slice(0, -1)}`)).toMatch(/padded base64/);
    expect(checkWebhookSecret(of(32).replace(/.$/, "-"))).toMatch(/base64/);
    expect(() => webhookSecretKey("whsec_!!!!")).toThrow(TypeError);
  });
});
