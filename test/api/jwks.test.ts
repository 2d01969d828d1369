import http from "node:http";
import type { AddressInfo } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connectClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

let jwksServer: http.Server;
let herald: TestHerald;
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
let signingKey: PrivateKey;
let otherKey: PrivateKey;

beforeAll(async () => {
  const pair = await generateKeyPair("ES256");
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair("ES256")).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
  // A real HTTP identity provider endpoint on loopback, serving the public key.
  jwksServer = http.createServer((_, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
  const { port } = jwksServer.address() as AddressInfo;
  herald = await startHerald({
    env: {
      HERALD_USER_TOKEN_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      HERALD_USER_TOKEN_ISSUER: "https://id.example.com",
      HERALD_USER_TOKEN_AUDIENCE: "herald",
    },
  });
});
afterAll(async () => {
  await herald.close();
  jwksServer.close();
});

const token = (key: PrivateKey, claims: { iss?: string; aud?: string } = {}) =>
  new SignJWT({})
    .setProtectedHeader({ alg: "ES256", kid: "k1" })
    .setSubject("jwks-user")
    .setIssuer(claims.iss ?? "https://id.example.com")
    .setAudience(claims.aud ?? "herald")
    .setExpirationTime("5m")
    .sign(key);

it("accepts user tokens signed by a key in the JWKS, with the right issuer and audience", async () => {
  const res = await connectClient(herald.url, await token(signingKey)).list({});
  expect(res.unreadCount).toBe(0);
});

it.each([
  ["signed by another key", () => token(otherKey)],
  ["from another issuer", () => token(signingKey, { iss: "https://evil.example.com" })],
  ["for another audience", () => token(signingKey, { aud: "someone-else" })],
])("refuses a token %s", async (_, make) => {
  const err = await connectClient(herald.url, await make())
    .list({})
    .catch((e: unknown) => ConnectError.from(e));
  expect(err).toMatchObject({ code: Code.Unauthenticated });
});
