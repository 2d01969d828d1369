import { describe, expect, it } from "vitest";
import { generateVapidKeys } from "../../src/channels/vapid.js";
import { checkPushEndpoint, type WebPushSettings } from "../../src/channels/webpush.js";
import { ConfigError, loadConfig } from "../../src/config.js";

const minimal = { DATABASE_URL: "postgres://u:p@db:5432/herald", NATS_URL: "nats://nats:4222" };

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig({ ...minimal, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.join("\n");
  }
  return "";
}

describe("webpush configuration", () => {
  const keys = generateVapidKeys();
  const complete = {
    WEBPUSH_VAPID_PUBLIC_KEY: keys.publicKey,
    WEBPUSH_VAPID_PRIVATE_KEY: keys.privateKey,
    WEBPUSH_SUBJECT: "https://herald.example/contact",
  };

  it("is off without the VAPID variables, on with all three", () => {
    expect(loadConfig(minimal).channels.webpush).toBeNull();
    const on = loadConfig({ ...minimal, ...complete }).channels.webpush as WebPushSettings;
    expect(on.vapid).toEqual({ ...keys, subject: "https://herald.example/contact" });
  });

  it("names what is missing or wrong, at start", () => {
    expect(problemsOf({ WEBPUSH_VAPID_PUBLIC_KEY: keys.publicKey })).toMatch(
      /turn Web Push on together; WEBPUSH_VAPID_PRIVATE_KEY and WEBPUSH_SUBJECT not set/,
    );
    const other = generateVapidKeys();
    expect(problemsOf({ ...complete, WEBPUSH_VAPID_PRIVATE_KEY: other.privateKey })).toMatch(
      /WEBPUSH_VAPID_PRIVATE_KEY is not the private key of WEBPUSH_VAPID_PUBLIC_KEY/,
    );
    expect(problemsOf({ ...complete, WEBPUSH_VAPID_PUBLIC_KEY: "abc" })).toMatch(
      /WEBPUSH_VAPID_PUBLIC_KEY must be an uncompressed P-256 public key/,
    );
    expect(problemsOf({ ...complete, WEBPUSH_VAPID_PUBLIC_KEY: `B${"A".repeat(86)}` })).toMatch(
      /WEBPUSH_VAPID_PUBLIC_KEY is not a point of the P-256 curve/,
    );
    expect(problemsOf({ ...complete, WEBPUSH_VAPID_PRIVATE_KEY: "short" })).toMatch(
      /WEBPUSH_VAPID_PRIVATE_KEY must be a P-256 private key/,
    );
    expect(problemsOf({ ...complete, WEBPUSH_SUBJECT: "ops@herald.example" })).toMatch(
      /WEBPUSH_SUBJECT must be a mailto: or https: URL/,
    );
    expect(problemsOf({ ...complete, WEBPUSH_SUBJECT: "http://herald.example" })).toMatch(
      /WEBPUSH_SUBJECT must be a mailto: or https: URL, not http:/,
    );
    expect(problemsOf({ ...complete, WEBPUSH_SUBJECT: "https://localhost/" })).toMatch(/must not be a localhost URL/);
    expect(problemsOf({ ...complete, WEBPUSH_SUBJECT: "mailto:ops@herald.example" })).toBe("");
  });
});

describe("a subscription's endpoint", () => {
  const production = { allowPrivateNetworks: false };
  const tests = { allowPrivateNetworks: true };

  it("must be https to a public address, unless private networks are allowed (tests, development)", () => {
    expect(checkPushEndpoint("https://fcm.googleapis.com/fcm/send/abc", production)).toBeNull();
    expect(checkPushEndpoint("http://push.example/x", production)).toBe("must be an https URL");
    expect(checkPushEndpoint("https://127.0.0.1/x", production)).toMatch(/must reach a public address/);
    expect(checkPushEndpoint("https://[::1]/x", production)).toMatch(/must reach a public address/);
    expect(checkPushEndpoint("https://169.254.169.254/latest", production)).toMatch(/must reach a public address/);
    expect(checkPushEndpoint("http://127.0.0.1:9999/push/1", tests)).toBeNull();
    expect(checkPushEndpoint("ftp://127.0.0.1/x", tests)).toBe("must be an https URL");
    expect(checkPushEndpoint("https://u:p@push.example/x", tests)).toBe("must not contain credentials");
  });
});
