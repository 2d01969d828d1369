import { generateKeyPairSync } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ACCESS_TOKEN_REFRESH_MARGIN_MS } from "../../src/channels/google-access-tokens.js";
import { createPushSender, type PushMessage, type PushSenderOptions } from "../../src/channels/push-sender.js";
import { PermanentDeliveryError, TransientDeliveryError } from "../../src/domain/delivery-errors.js";
import { type FakeFcm, newDeviceToken, startFakeFcm } from "../helpers/fake-fcm.js";
import { rejection } from "../helpers/wait.js";

let fcm: FakeFcm;
beforeEach(async () => {
  fcm = await startFakeFcm();
});
afterEach(() => fcm.close());

const sender = (overrides: Partial<PushSenderOptions> = {}) =>
  createPushSender({ baseUrl: fcm.url, serviceAccount: fcm.serviceAccount, ...overrides });

const push = (overrides: Partial<PushMessage> = {}): PushMessage => ({
  token: newDeviceToken(),
  title: "New comment",
  body: "Ada replied to your post",
  data: { notificationId: "0190a0f0-0000-7000-8000-000000000001", kind: "comment" },
  priority: "high",
  ...overrides,
});

describe("accepted messages", () => {
  it("sends the v1 message FCM documents and returns its name", async () => {
    const message = push();
    const receipt = await sender().send(message);
    expect(fcm.messages).toEqual([
      {
        name: receipt.providerMessageId,
        message: {
          token: message.token,
          notification: { title: message.title, body: message.body },
          data: message.data,
          android: { priority: "high" },
          apns: { headers: { "apns-priority": "10" } },
        },
      },
    ]);
    expect(receipt.providerMessageId).toMatch(new RegExp(`^projects/${fcm.serviceAccount.project_id}/messages/`));
  });

  it("maps normal priority to each platform, and leaves both out without one", async () => {
    await sender().send(push({ priority: "normal" }));
    await sender().send(push({ priority: undefined }));
    expect(fcm.messages[0]?.message).toMatchObject({
      android: { priority: "normal" },
      apns: { headers: { "apns-priority": "5" } },
    });
    expect(Object.keys(fcm.messages[1]?.message ?? {}).sort()).toEqual(["data", "notification", "token"]);
  });

  it("gets its access token with an RS256 JWT bearer grant the token endpoint verifies", async () => {
    await sender().send(push());
    expect(fcm.grants).toHaveLength(1);
    const { header, claims } = fcm.grants[0] ?? {};
    expect(header).toMatchObject({ alg: "RS256", typ: "JWT" });
    expect(claims).toMatchObject({
      iss: fcm.serviceAccount.client_email,
      aud: fcm.serviceAccount.token_uri,
      scope: "https://www.googleapis.com/auth/firebase.messaging",
    });
    expect((claims?.exp ?? 0) - (claims?.iat ?? 0)).toBe(3600);
  });

  it("refuses a service account without a usable private key", () => {
    expect(() => createPushSender({ serviceAccount: { ...fcm.serviceAccount, private_key: "nope" } })).toThrow(
      /private_key/,
    );
  });
});

describe("access tokens", () => {
  it("reuses one access token across sends", async () => {
    const s = sender();
    for (let i = 0; i < 3; i++) await s.send(push());
    expect(fcm.messages).toHaveLength(3);
    expect(fcm.grants).toHaveLength(1);
  });

  it("makes concurrent first sends share one token request", async () => {
    const s = sender();
    await Promise.all(Array.from({ length: 5 }, () => s.send(push())));
    expect(fcm.messages).toHaveLength(5);
    expect(fcm.grants).toHaveLength(1);
  });

  it("gets a new token shortly before the old one expires", async () => {
    await fcm.close();
    // Tokens that enter the refresh margin one second after they are granted.
    fcm = await startFakeFcm({ tokenLifetimeSeconds: ACCESS_TOKEN_REFRESH_MARGIN_MS / 1000 + 1 });
    const s = sender();
    await s.send(push());
    await s.send(push());
    expect(fcm.grants).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1200));
    await s.send(push());
    expect(fcm.grants).toHaveLength(2);
    expect(fcm.messages).toHaveLength(3);
  });

  it("after a 401, gets a new token and retries once", async () => {
    const s = sender();
    await s.send(push());
    fcm.revokeAccessTokens();
    await s.send(push());
    expect(fcm.grants).toHaveLength(2);
    expect(fcm.sendAttempts()).toBe(3);
    expect(fcm.messages).toHaveLength(2);
  });

  it("a second 401 in a row is transient", async () => {
    fcm.failNext(2, { status: 401 });
    const err = await rejection(sender().send(push()));
    expect(err).toBeInstanceOf(TransientDeliveryError);
    expect(err.message).toContain("401 UNAUTHENTICATED");
    expect(fcm.grants).toHaveLength(2);
    expect(fcm.sendAttempts()).toBe(2);
  });

  it("THIRD_PARTY_AUTH_ERROR (the app's APNs credentials) is transient without a token refresh", async () => {
    fcm.failNext(1, { errorCode: "THIRD_PARTY_AUTH_ERROR" });
    const err = await rejection(sender().send(push()));
    expect(err).toBeInstanceOf(TransientDeliveryError);
    expect(fcm.grants).toHaveLength(1);
    expect(fcm.sendAttempts()).toBe(1);
  });

  it("a token the endpoint refuses (wrong key) is transient, and nothing is sent", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const wrongKey = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const err = await rejection(
      sender({ serviceAccount: { ...fcm.serviceAccount, private_key: wrongKey } }).send(push()),
    );
    expect(err).toBeInstanceOf(TransientDeliveryError);
    expect(err.message).toContain("invalid_grant: Invalid JWT Signature.");
    expect(fcm.sendAttempts()).toBe(0);
  });
});

describe("permanent failures", () => {
  it("UNREGISTERED: the device is to be removed; the token is not in the error", async () => {
    const message = push();
    fcm.unregistered.add(message.token);
    const err = await rejection(sender().send(message));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err).toMatchObject({ reason: "unregistered" });
    expect(err.message).toContain("404 UNREGISTERED");
    expect(err.message).not.toContain(message.token);
  });

  it("INVALID_ARGUMENT for a malformed token is 'unregistered' too", async () => {
    const err = await rejection(sender().send(push({ token: "not-a-registration-token" })));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err).toMatchObject({ reason: "unregistered" });
    expect(err.message).toContain("not a valid FCM registration token");
  });

  it("INVALID_ARGUMENT for anything else (a reserved data key) is 'rejected'", async () => {
    const err = await rejection(sender().send(push({ data: { from: "herald" } })));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err).toMatchObject({ reason: "rejected" });
    expect(err.message).toContain("400");
  });

  it("SENDER_ID_MISMATCH means the token belongs to another sender: 'unregistered'", async () => {
    fcm.failNext(1, { errorCode: "SENDER_ID_MISMATCH", message: "SenderId mismatch" });
    const err = await rejection(sender().send(push()));
    expect(err).toMatchObject({ name: "PermanentDeliveryError", reason: "unregistered" });
  });

  it("a 404 without FCM's UNREGISTERED is 'rejected', not a dead token", async () => {
    fcm.failNext(1, { status: 404, message: "Requested entity was not found." });
    const err = await rejection(sender().send(push()));
    expect(err).toMatchObject({ name: "PermanentDeliveryError", reason: "rejected" });
  });
});

describe("transient failures", () => {
  it.each([
    ["QUOTA_EXCEEDED", 429, "30", 30_000],
    ["UNAVAILABLE", 503, "5", 5_000],
    ["INTERNAL", 500, undefined, undefined],
  ] as const)("%s (%i) is transient with Retry-After %s", async (errorCode, status, retryAfter, retryAfterMs) => {
    fcm.failNext(1, { errorCode, retryAfter });
    const err = await rejection(sender().send(push()));
    expect(err).toBeInstanceOf(TransientDeliveryError);
    expect(err).toMatchObject({ retryAfterMs });
    expect(err.message).toContain(`${status} ${errorCode}`);
    expect(fcm.messages).toHaveLength(0);
  });

  it("a 502 HTML page from a load balancer is transient", async () => {
    fcm.failNext(1, { status: 502, rawBody: "<html><body>Bad Gateway</body></html>" });
    const err = await rejection(sender().send(push()));
    expect(err).toBeInstanceOf(TransientDeliveryError);
    expect(err.message).toContain("502");
  });

  it("a refused connection to FCM is transient", async () => {
    const gone = await startFakeFcm();
    await gone.close();
    const err = await rejection(sender({ baseUrl: gone.url }).send(push()));
    expect(err).toBeInstanceOf(TransientDeliveryError);
    expect(err.message).toContain("ECONNREFUSED");
  });

  it("a refused connection to the token endpoint is transient", async () => {
    const gone = await startFakeFcm();
    await gone.close();
    const err = await rejection(sender({ serviceAccount: gone.serviceAccount }).send(push()));
    expect(err).toBeInstanceOf(TransientDeliveryError);
    expect(err.message).toContain("token request failed: ECONNREFUSED");
  });
});
