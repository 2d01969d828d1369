import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createOidcDiscovery } from "../../src/auth/oidc-discovery.js";
import { UnavailableError } from "../../src/domain/errors.js";

// A real HTTP issuer on loopback whose discovery document each test picks.
let server: http.Server;
let issuer: string;
let answer: { status: number; body: unknown } = { status: 200, body: {} };
let requests = 0;

beforeAll(async () => {
  server = http.createServer((_, res) => {
    requests++;
    res.writeHead(answer.status, { "content-type": "application/json" });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

const discovery = (now = () => 0, at = issuer) =>
  createOidcDiscovery({ issuer: at, timeoutMs: 2000, retryAfterMs: 5000, now });

it("reads the jwks_uri once, for every caller", async () => {
  answer = { status: 200, body: { issuer, jwks_uri: `${issuer}/jwks` } };
  requests = 0;
  const discover = discovery();
  const all = await Promise.all([discover(), discover(), discover()]);
  expect(all[0]).toEqual({ issuer, jwksUri: `${issuer}/jwks` });
  await discover();
  expect(requests).toBe(1);
});

it.each([
  ["names another issuer", () => ({ issuer: "https://evil.example.com", jwks_uri: "https://evil.example.com/jwks" })],
  ["has no jwks_uri", () => ({ issuer })],
])("is Unavailable when the document %s", async (_, body) => {
  answer = { status: 200, body: body() };
  await expect(discovery()()).rejects.toBeInstanceOf(UnavailableError);
});

it("is Unavailable when the issuer answers an error", async () => {
  answer = { status: 500, body: {} };
  await expect(discovery()()).rejects.toBeInstanceOf(UnavailableError);
});

it("after a failure, waits before asking again, then recovers", async () => {
  let time = 0;
  const discover = discovery(() => time);
  answer = { status: 500, body: {} };
  await expect(discover()).rejects.toBeInstanceOf(UnavailableError);
  answer = { status: 200, body: { issuer, jwks_uri: `${issuer}/jwks` } };
  requests = 0;
  await expect(discover()).rejects.toBeInstanceOf(UnavailableError);
  expect(requests).toBe(0);
  time = 5001;
  await expect(discover()).resolves.toMatchObject({ jwksUri: `${issuer}/jwks` });
});

it("is Unavailable when the issuer cannot be reached", async () => {
  await expect(discovery(undefined, "http://127.0.0.1:9")()).rejects.toBeInstanceOf(UnavailableError);
});
