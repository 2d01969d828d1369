import { Code, ConnectError } from "@connectrpc/connect";
import { decodeProtectedHeader, importJWK, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalOidc, newSigningJwk, startLocalOidc } from "../../dev/local-oidc.js";
import { Channel, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { connectClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { signInAtLocalOidc } from "../helpers/oidc-sign-in.js";

// The console's OIDC sign-in, end to end: real ID tokens from a local
// oidc-provider, got through the authorization code flow with PKCE, sent to
// Herald as bearer credentials.
const clientId = "herald-console";
const redirectUri = "http://127.0.0.1:9/console/";
let provider: LocalOidc;
let herald: TestHerald;
let signingJwk: JWK;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  signingJwk = await newSigningJwk();
  provider = await startLocalOidc({
    clientId,
    redirectUris: [redirectUri],
    signingJwk,
    accounts: {
      alice: { groups: ["herald-admins"], email: "alice@example.com" },
      sam: { groups: ["herald-support", "unrelated"] },
      nobody: { groups: ["unrelated"] },
      busy: { groups: ["herald-support"] },
    },
  });
  herald = await startHerald({
    env: {
      CONSOLE_OIDC_ISSUER: provider.issuer,
      CONSOLE_OIDC_CLIENT_ID: clientId,
      CONSOLE_OIDC_ADMIN_GROUPS: "herald-admins",
      CONSOLE_OIDC_READ_GROUPS: "herald-support",
      // Generous enough for every other test here; the rate limit test spends `busy`'s bucket.
      RATE_LIMIT_API_KEY_PER_SECOND: "1",
      RATE_LIMIT_API_KEY_BURST: "30",
    },
  });
  for (const login of ["alice", "sam", "nobody", "busy"]) {
    tokens[login] = await signInAtLocalOidc({ issuer: provider.issuer, clientId, redirectUri, login });
  }
}, 60_000);

afterAll(async () => {
  await herald?.close();
  await provider?.stop();
});

const as = (login: string) => connectClient(herald.url, tokens[login]);
const failure = (call: Promise<unknown>) => call.then(() => null).catch((e: unknown) => ConnectError.from(e));

describe("an operator in an admin group", () => {
  it("calls admin RPCs, and RetryDelivery gets past the scope check", async () => {
    await expect(as("alice").listDeliveries({ status: DeliveryStatus.DEAD })).resolves.toBeDefined();
    // An unknown delivery: NOT_FOUND, not PERMISSION_DENIED.
    const err = await failure(as("alice").retryDelivery({ deliveryId: "0190a000-0000-7000-8000-000000000000" }));
    expect(err?.code).toBe(Code.NotFound);
  });

  it("sends as oidc:<sub>, and cancels what it sent", async () => {
    const sendAt = { seconds: BigInt(Math.floor(Date.now() / 1000) + 3600), nanos: 0 };
    const { notifications } = await as("alice").send({
      userIds: ["oidc-user-1"],
      category: "test",
      title: "Hello",
      body: "b",
      channels: [Channel.IN_APP],
      sendAt,
    });
    const id = notifications[0]?.id as string;
    const [row] = await herald.db.query<{ sender_key_id: string }>(
      "SELECT sender_key_id FROM notifications WHERE id = $1",
      [id],
    );
    expect(row?.sender_key_id).toBe("oidc:alice");
    await expect(as("alice").cancel({ id })).resolves.toMatchObject({ canceledCount: 1 });
  });
});

describe("an operator in a read group", () => {
  it("reads", async () => {
    await expect(as("sam").list({ userId: "oidc-user-1" })).resolves.toBeDefined();
  });

  it.each([
    ["ListDeliveries", () => as("sam").listDeliveries({ status: DeliveryStatus.DEAD })],
    ["RetryDelivery", () => as("sam").retryDelivery({ deliveryId: "0190a000-0000-7000-8000-000000000000" })],
    ["Send", () => as("sam").send({ userIds: ["u"], category: "test", title: "t", body: "b" })],
  ])("is refused %s with PERMISSION_DENIED", async (_, call) => {
    const err = await failure(call());
    expect(err?.code).toBe(Code.PermissionDenied);
    expect(err?.rawMessage).toContain('operator "sam"');
  });
});

it("an operator in no mapped group is signed in but may do nothing: PERMISSION_DENIED", async () => {
  const err = await failure(as("nobody").list({ userId: "oidc-user-1" }));
  expect(err?.code).toBe(Code.PermissionDenied);
  expect(err?.rawMessage).toContain('operator "nobody" lacks the "read" scope');
});

it("operators are rate limited like API keys, each in a bucket of their own", async () => {
  const outcomes = [];
  for (let i = 0; i < 40; i++) outcomes.push(await failure(as("busy").list({ userId: "oidc-user-1" })));
  expect(outcomes.filter((o) => o === null).length).toBeGreaterThanOrEqual(30); // the burst
  const refused = outcomes.find((o) => o !== null);
  expect(refused?.code).toBe(Code.ResourceExhausted);
  expect(refused?.rawMessage).toMatch(/this operator may make 1 requests per second/);
  await expect(as("sam").list({ userId: "oidc-user-1" })).resolves.toBeDefined();
});

describe("refused ID tokens are UNAUTHENTICATED", () => {
  const forge = async (
    claims: { iss?: string; aud?: string | string[]; exp?: number; iat?: number; azp?: string; typ?: string },
    jwk = signingJwk,
  ) => {
    const { kid } = decodeProtectedHeader(tokens.alice as string);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ groups: ["herald-admins"], ...(claims.azp !== undefined && { azp: claims.azp }) })
      .setProtectedHeader({ alg: "RS256", kid: kid as string, ...(claims.typ !== undefined && { typ: claims.typ }) })
      .setSubject("alice")
      .setIssuer(claims.iss ?? provider.issuer)
      .setAudience(claims.aud ?? clientId)
      .setIssuedAt(claims.iat ?? now - 7200)
      .setExpirationTime(claims.exp ?? now + 600)
      .sign(await importJWK(jwk, "RS256"));
  };

  it("accepts a token forged with the provider's key (the forge is right)", async () => {
    await expect(
      connectClient(herald.url, await forge({})).listDeliveries({ status: DeliveryStatus.DEAD }),
    ).resolves.toBeDefined();
  });

  it.each([
    ["signed by another key", async () => forge({}, await newSigningJwk())],
    ["for another audience", () => forge({ aud: "another-client" })],
    ["issued to another client among several audiences", () => forge({ aud: [clientId, "x"], azp: "x" })],
    ["issued to another client (azp) with this audience alone", () => forge({ azp: "another-app" })],
    ["an OAuth access token (typ at+jwt), not an ID token", () => forge({ typ: "at+jwt" })],
    ["living longer than a day", () => forge({ iat: Math.floor(Date.now() / 1000) - 2 * 86_400 })],
    ["expired", () => forge({ exp: Math.floor(Date.now() / 1000) - 120 })],
    ["from another issuer", () => forge({ iss: "http://127.0.0.1:1" })],
    ["tampered with", async () => `${tokens.sam?.slice(0, -4)}AAAA`],
  ])("%s", async (_, make) => {
    const err = await failure(connectClient(herald.url, await make()).listDeliveries({ status: DeliveryStatus.DEAD }));
    expect(err?.code).toBe(Code.Unauthenticated);
  });
});
