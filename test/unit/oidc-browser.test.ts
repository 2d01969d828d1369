import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  authorizationUrl,
  base64url,
  checkAuthorizationResponse,
  idTokenClaims,
  type PendingSignIn,
  pkceChallenge,
  randomToken,
} from "../../web/console/src/oidc.js";

// The console's OIDC module, its pure parts (the whole flow against a real
// provider is in test/api/oidc-browser-flow.test.ts).
const pending: PendingSignIn = {
  issuer: "https://id.example.com",
  clientId: "herald-console",
  redirectUri: "https://herald.example.com/console/",
  tokenEndpoint: "https://id.example.com/token",
  state: "state-1",
  nonce: "nonce-1",
  verifier: "v".repeat(43),
};

describe("PKCE", () => {
  it("the challenge is base64url(SHA-256(verifier)), RFC 7636's example included", async () => {
    // RFC 7636, appendix B.
    expect(await pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe(
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
    const verifier = randomToken(32);
    expect(await pkceChallenge(verifier)).toBe(createHash("sha256").update(verifier).digest("base64url"));
  });

  it("verifiers are 43 base64url characters, different each time", () => {
    const a = randomToken(32);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken(32)).not.toBe(a);
    expect(base64url(new Uint8Array([251, 255]))).toBe("-_8");
  });
});

it("the authorization URL asks for a code with PKCE S256, state and nonce", () => {
  const url = new URL(authorizationUrl("https://id.example.com/auth?x=1", pending, "challenge"));
  expect(Object.fromEntries(url.searchParams)).toEqual({
    x: "1",
    response_type: "code",
    client_id: "herald-console",
    redirect_uri: "https://herald.example.com/console/",
    scope: "openid profile email",
    state: "state-1",
    nonce: "nonce-1",
    code_challenge: "challenge",
    code_challenge_method: "S256",
  });
});

describe("the issuer's answer", () => {
  const answer = (query: string) => new URLSearchParams(query);

  it("gives the code when the state matches", () => {
    expect(checkAuthorizationResponse(answer("code=c1&state=state-1"), pending)).toBe("c1");
    expect(checkAuthorizationResponse(answer(`code=c1&state=state-1&iss=${pending.issuer}`), pending)).toBe("c1");
  });

  it.each([
    ["another state", "code=c1&state=other", /state/],
    ["no pending sign-in", "code=c1&state=state-1", /did not start a sign-in/],
    ["another issuer (mix-up)", "code=c1&state=state-1&iss=https://evil.example.com", /evil\.example\.com/],
    [
      "an error",
      "error=access_denied&error_description=End-User+aborted&state=state-1",
      /End-User aborted \(access_denied\)/,
    ],
    ["no code", "state=state-1&code=", /no code/],
  ])("refuses %s with a readable message", (name, query, message) => {
    const from = name === "no pending sign-in" ? null : pending;
    expect(() => checkAuthorizationResponse(answer(query), from)).toThrow(message);
  });
});

it("reads the nonce of an ID token, and nothing of garbage", () => {
  const payload = Buffer.from(JSON.stringify({ nonce: "n-é", sub: "a" })).toString("base64url");
  expect(idTokenClaims(`h.${payload}.s`).nonce).toBe("n-é");
  expect(idTokenClaims("not a token")).toEqual({});
});
