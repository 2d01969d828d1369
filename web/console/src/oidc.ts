/**
 * OpenID Connect sign-in for the console, in the browser, with no library:
 * the authorization code flow with PKCE (S256) for a public client. The
 * console is sent to the issuer with `startOidcSignIn`, comes back to its
 * redirect URI with a code, and `completeOidcSignIn` exchanges the code for
 * tokens and returns the ID token, which the console then sends to Herald as
 * its bearer credential. Herald verifies the token (signature, issuer,
 * audience, expiry); this module checks what only the browser can: that the
 * answer belongs to the request this tab made (state, nonce, issuer).
 */

/** The issuer and client, as `/console/config.json` gives them. */
export interface OidcClientConfig {
  issuer: string;
  clientId: string;
  /** Space-separated scopes to ask for; default `openid profile email`. */
  scopes?: string;
}

/** What this tab remembers between leaving for the issuer and coming back. */
export interface PendingSignIn {
  issuer: string;
  clientId: string;
  redirectUri: string;
  tokenEndpoint: string;
  state: string;
  nonce: string;
  verifier: string;
}

interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

// Reached through globalThis so this module also loads in Node (the unit tests).
const browser = () => globalThis as unknown as { sessionStorage: StorageLike; location: { assign(url: string): void } };

/** The sessionStorage item holding the pending sign-in (one per tab). */
export const pendingKey = "herald.console.oidc.pending";

const defaultScopes = "openid profile email";

/** Goes to the issuer's sign-in page. Resolves only if the navigation does not happen. */
export async function startOidcSignIn(config: OidcClientConfig, redirectUri: string): Promise<void> {
  const discovery = await discover(config.issuer);
  const pending: PendingSignIn = {
    issuer: config.issuer,
    clientId: config.clientId,
    redirectUri,
    tokenEndpoint: discovery.tokenEndpoint,
    state: randomToken(),
    nonce: randomToken(),
    verifier: randomToken(32),
  };
  const url = authorizationUrl(
    discovery.authorizationEndpoint,
    pending,
    await pkceChallenge(pending.verifier),
    config.scopes,
  );
  browser().sessionStorage.setItem(pendingKey, JSON.stringify(pending));
  browser().location.assign(url);
}

/**
 * Finishes a sign-in when `location` is the issuer's answer (it carries
 * `state` and a `code` or an `error`): returns the ID token, or throws an
 * Error whose message can be shown as is. Returns null for any other URL.
 */
export async function completeOidcSignIn(location: URL): Promise<{ idToken: string } | null> {
  const params = location.searchParams;
  if (!params.has("state") || !(params.has("code") || params.has("error"))) return null;
  const storage = browser().sessionStorage;
  const saved = storage.getItem(pendingKey);
  storage.removeItem(pendingKey); // one answer per request, whatever happens next
  const pending = saved === null ? null : (JSON.parse(saved) as PendingSignIn);
  const code = checkAuthorizationResponse(params, pending);
  const { issuer, clientId, redirectUri, tokenEndpoint, verifier, nonce } = pending as PendingSignIn;

  let res: Response;
  try {
    res = await fetch(tokenEndpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        redirect_uri: redirectUri,
        client_id: clientId,
        code_verifier: verifier,
      }),
    });
  } catch {
    throw new Error(`Sign-in failed: the token endpoint of ${issuer} could not be reached.`);
  }
  const body = (await res.json().catch(() => ({}))) as {
    id_token?: unknown;
    error?: unknown;
    error_description?: unknown;
  };
  if (!res.ok || typeof body.id_token !== "string") {
    throw new Error(`Sign-in failed at ${issuer}: ${describeError(body.error, body.error_description, res.status)}`);
  }
  if (idTokenClaims(body.id_token).nonce !== nonce) {
    throw new Error("Sign-in failed: the ID token does not belong to this sign-in (nonce). Start again.");
  }
  return { idToken: body.id_token };
}

/**
 * The code from the issuer's answer, after checking that it answers the
 * pending request (`state`) and comes from its issuer (`iss`, RFC 9207, when
 * the issuer sends it); throws a readable Error for an error answer or a mismatch.
 */
export function checkAuthorizationResponse(params: URLSearchParams, pending: PendingSignIn | null): string {
  if (pending === null) {
    throw new Error("Sign-in failed: this tab did not start a sign-in (or its session ended). Start again.");
  }
  if (params.get("state") !== pending.state) {
    throw new Error("Sign-in failed: the answer does not match this tab's sign-in request (state). Start again.");
  }
  const iss = params.get("iss");
  if (iss !== null && iss !== pending.issuer) {
    throw new Error(`Sign-in failed: the answer comes from ${iss}, not ${pending.issuer}.`);
  }
  const error = params.get("error");
  if (error !== null) {
    throw new Error(`Sign-in failed at ${pending.issuer}: ${describeError(error, params.get("error_description"))}`);
  }
  const code = params.get("code");
  if (code === null || code === "") throw new Error("Sign-in failed: the answer carries no code.");
  return code;
}

/** The PKCE S256 challenge: base64url(SHA-256(verifier)) (RFC 7636, section 4.2). */
export async function pkceChallenge(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
}

/** The authorization request URL. */
export function authorizationUrl(
  endpoint: string,
  pending: PendingSignIn,
  challenge: string,
  scopes = defaultScopes,
): string {
  const url = new URL(endpoint);
  const params = {
    response_type: "code",
    client_id: pending.clientId,
    redirect_uri: pending.redirectUri,
    scope: scopes,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: challenge,
    code_challenge_method: "S256",
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}

/** The claims of a JWT, unverified (Herald verifies it; the browser only reads the nonce). */
export function idTokenClaims(token: string): { nonce?: unknown } {
  try {
    const payload = token.split(".")[1] ?? "";
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as { nonce?: unknown };
  } catch {
    return {};
  }
}

/** Random bytes as base64url: 16 bytes for state and nonce, 32 for the PKCE verifier (43 characters). */
export function randomToken(bytes = 16): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function discover(issuer: string): Promise<{ authorizationEndpoint: string; tokenEndpoint: string }> {
  const url = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  let doc: { issuer?: unknown; authorization_endpoint?: unknown; token_endpoint?: unknown };
  try {
    const res = await fetch(url, { headers: { accept: "application/json" } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    doc = (await res.json()) as typeof doc;
  } catch (error) {
    throw new Error(`Sign-in is not available: ${url} could not be read (${(error as Error).message}).`);
  }
  if (
    doc.issuer !== issuer ||
    typeof doc.authorization_endpoint !== "string" ||
    typeof doc.token_endpoint !== "string"
  ) {
    throw new Error(`Sign-in is not available: ${url} does not describe the issuer ${issuer}.`);
  }
  return { authorizationEndpoint: doc.authorization_endpoint, tokenEndpoint: doc.token_endpoint };
}

function describeError(error: unknown, description: unknown, status?: number): string {
  const code = typeof error === "string" ? error : status === undefined ? "error" : `HTTP ${status}`;
  return typeof description === "string" && description !== "" ? `${description} (${code})` : code;
}
