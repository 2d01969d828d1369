import { webcrypto } from "node:crypto";
import { SignJWT } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createUserTokenVerifier } from "../../src/auth/user-tokens.js";

const secret = "unit-test-secret-that-is-at-least-32-bytes";
// Revoked users as `<tenant>/<user>`.
const revokedUsers = new Set<string>();
const tenants = new Set(["default", "acme"]);
const verifier = () =>
  createUserTokenVerifier({
    secret,
    jwksUrl: null,
    issuer: null,
    audience: null,
    maxTtlMs: 24 * 3_600_000,
    isRevoked: (tenantId, userId) => revokedUsers.has(`${tenantId}/${userId}`),
    tenantExists: (tenantId) => tenants.has(tenantId),
  });
const mint = (
  userId: string,
  options: {
    alg?: string;
    key?: string;
    exp?: string | number;
    header?: Record<string, unknown>;
    claims?: Record<string, unknown>;
  } = {},
) =>
  new SignJWT(options.claims ?? {})
    .setProtectedHeader({ alg: options.alg ?? "HS256", ...options.header })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? "1h")
    .sign(new TextEncoder().encode(options.key ?? secret));
const invalid = { refused: "the user token is invalid or expired" };

afterEach(() => {
  vi.restoreAllMocks();
  revokedUsers.clear();
});

describe("user tokens (HS256)", () => {
  it("accepts a good token, and refuses expired, other-key, other-algorithm, unsigned and altered ones", async () => {
    const verify = verifier();
    expect(await verify(await mint("alice"))).toEqual({ tenantId: "default", userId: "alice" });
    expect(await verify(await mint("alice", { exp: "-2m" }))).toEqual(invalid);
    expect(await verify(await mint("alice", { key: "another-secret-that-is-at-least-32-bytes" }))).toEqual(invalid);
    // HS512 with the very same secret: only HS256 is checked with the secret.
    expect(await verify(await mint("alice", { alg: "HS512" }))).toEqual(invalid);
    const [head, body, signature] = (await mint("alice")).split(".") as [string, string, string];
    const none = Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url");
    expect(await verify(`${none}.${body}.`)).toEqual(invalid);
    const otherBody = Buffer.from(JSON.stringify({ sub: "mallory", exp: 9_999_999_999 })).toString("base64url");
    expect(await verify(`${head}.${otherBody}.${signature}`)).toEqual(invalid);
    expect(await verify("not.a.token")).toEqual(invalid);
  });

  it("refuses a revoked user's token, also one it verified before", async () => {
    const verify = verifier();
    const token = await mint("bob");
    expect(await verify(token)).toEqual({ tenantId: "default", userId: "bob" });
    revokedUsers.add("default/bob");
    expect(await verify(token)).toEqual({ refused: "the user token was revoked" });
    expect(await verify(await mint("bob"))).toEqual({ refused: "the user token was revoked" });
  });

  it("carries the `tenant` claim into the result (none means the default tenant)", async () => {
    const verify = verifier();
    expect(await verify(await mint("alice", { claims: { tenant: "acme" } }))).toEqual({
      tenantId: "acme",
      userId: "alice",
    });
    expect(await verify(await mint("alice"))).toEqual({ tenantId: "default", userId: "alice" });
  });

  it("refuses a malformed `tenant` claim and a tenant that does not exist", async () => {
    const verify = verifier();
    for (const tenant of ["ACME", "", "a/b", "-acme", 42, ["acme"]]) {
      expect(await verify(await mint("alice", { claims: { tenant } }))).toEqual({
        refused: expect.stringContaining("`tenant` claim is not a tenant id"),
      });
    }
    expect(await verify(await mint("alice", { claims: { tenant: "globex" } }))).toEqual({
      refused: 'the user token\'s tenant "globex" does not exist',
    });
  });

  it("revokes a user's tokens in one tenant only: the same user id in another tenant is another person", async () => {
    const verify = verifier();
    const inAcme = await mint("carol", { claims: { tenant: "acme" } });
    const inDefault = await mint("carol");
    revokedUsers.add("acme/carol");
    expect(await verify(inAcme)).toEqual({ refused: "the user token was revoked" });
    expect(await verify(inDefault)).toEqual({ tenantId: "default", userId: "carol" });
  });

  it("imports the secret once, not once per token", async () => {
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => mint(`user-${i}`)));
    const imports = vi.spyOn(webcrypto.subtle, "importKey");
    const verify = verifier();
    for (const token of tokens) expect(await verify(token)).toHaveProperty("userId");
    expect(imports).toHaveBeenCalledTimes(1);
  });
});
