import { decodeJwt } from "jose";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { type LocalOidc, startLocalOidc } from "../../dev/local-oidc.js";
import { completeOidcSignIn, pendingKey, startOidcSignIn } from "../../web/console/src/oidc.js";
import { loginAtLocalOidc } from "../helpers/oidc-sign-in.js";

// The console's browser module against the real local provider, in Node:
// sessionStorage and location.assign are small stand-ins, crypto.subtle and
// fetch are Node's own.
const clientId = "herald-console";
const redirectUri = "http://127.0.0.1:9/console/";
let provider: LocalOidc;
const storage = new Map<string, string>();
let assigned: string | null = null;

beforeAll(async () => {
  provider = await startLocalOidc({ clientId, redirectUris: [redirectUri], accounts: { alice: { groups: ["g"] } } });
  Object.assign(globalThis, {
    sessionStorage: {
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => storage.set(k, v),
      removeItem: (k: string) => storage.delete(k),
    },
    location: { assign: (url: string) => (assigned = url) },
  });
});
afterAll(() => provider?.stop());
afterEach(() => {
  storage.clear();
  assigned = null;
});

const startAndLogin = async () => {
  await startOidcSignIn({ issuer: provider.issuer, clientId }, redirectUri);
  return loginAtLocalOidc(assigned as string, "alice", redirectUri);
};

it("signs in: redirect to the issuer, code back, ID token for this client with this tab's nonce", async () => {
  const back = await startAndLogin();
  const pending = JSON.parse(storage.get(pendingKey) as string) as { nonce: string };
  const result = await completeOidcSignIn(back);
  const claims = decodeJwt(result?.idToken as string);
  expect(claims).toMatchObject({ iss: provider.issuer, aud: clientId, sub: "alice", nonce: pending.nonce });
  expect(storage.has(pendingKey)).toBe(false);
});

it("returns null for a URL that is no sign-in answer", async () => {
  expect(await completeOidcSignIn(new URL("http://127.0.0.1:9/console/#/activity"))).toBeNull();
});

it("refuses an answer replayed in another sign-in (state), and a code used twice", async () => {
  const first = await startAndLogin();
  await completeOidcSignIn(first);
  await startOidcSignIn({ issuer: provider.issuer, clientId }, redirectUri);
  await expect(completeOidcSignIn(first)).rejects.toThrow(/state/);
  expect(storage.has(pendingKey)).toBe(false); // a refused answer ends the pending sign-in
  // The same code again with a matching state: the issuer refuses it, and says why.
  await startOidcSignIn({ issuer: provider.issuer, clientId }, redirectUri);
  const pending = JSON.parse(storage.get(pendingKey) ?? "{}") as Record<string, string>;
  const replay = new URL(first);
  storage.set(pendingKey, JSON.stringify({ ...pending, state: replay.searchParams.get("state") }));
  await expect(completeOidcSignIn(replay)).rejects.toThrow(/Sign-in failed at .*\(invalid_grant\)/);
});

it("reports the issuer's error answer", async () => {
  await startOidcSignIn({ issuer: provider.issuer, clientId }, redirectUri);
  const { state } = JSON.parse(storage.get(pendingKey) as string) as { state: string };
  const back = new URL(
    `${redirectUri}?error=access_denied&error_description=End-User+aborted+interaction&state=${state}`,
  );
  await expect(completeOidcSignIn(back)).rejects.toThrow("End-User aborted interaction (access_denied)");
});

it("says so when the issuer cannot be reached", async () => {
  await expect(startOidcSignIn({ issuer: "http://127.0.0.1:9", clientId }, redirectUri)).rejects.toThrow(
    /Sign-in is not available/,
  );
});
