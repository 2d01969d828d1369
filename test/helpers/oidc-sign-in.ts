import { createHash, randomBytes } from "node:crypto";

export interface OidcSignIn {
  issuer: string;
  clientId: string;
  redirectUri: string;
  login: string;
}

/**
 * Signs `login` in at the local OIDC provider over plain HTTP, as a browser
 * would: the authorization request with PKCE, the development login form,
 * the redirect back with a code, and the code exchanged for tokens. Returns
 * the ID token. (Written apart from web/console/src/oidc.ts, so the tests of
 * that module do not check it against itself.)
 */
export async function signInAtLocalOidc(options: OidcSignIn): Promise<string> {
  const discovery = (await (await fetch(`${options.issuer}/.well-known/openid-configuration`)).json()) as {
    authorization_endpoint: string;
    token_endpoint: string;
  };
  const verifier = randomBytes(32).toString("base64url");
  const state = randomBytes(16).toString("base64url");
  const authorize = new URL(discovery.authorization_endpoint);
  for (const [k, v] of Object.entries({
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    response_type: "code",
    scope: "openid profile email",
    state,
    nonce: randomBytes(16).toString("base64url"),
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  })) {
    authorize.searchParams.set(k, v);
  }
  const back = await loginAtLocalOidc(authorize.href, options.login, options.redirectUri);
  if (back.searchParams.get("state") !== state) throw new Error(`state mismatch in ${back.href}`);
  const code = back.searchParams.get("code");
  if (code === null) throw new Error(`no code in ${back.href}`);
  const token = await fetch(discovery.token_endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: options.redirectUri,
      client_id: options.clientId,
      code_verifier: verifier,
    }),
  });
  const body = (await token.json()) as { id_token?: string; error?: string };
  if (body.id_token === undefined) throw new Error(`token endpoint: ${JSON.stringify(body)}`);
  return body.id_token;
}

/**
 * Follows an authorization request at the local provider as a browser would
 * (redirects by hand, carrying cookies), filling in the development login
 * form with `login`, until the provider sends the browser back to
 * `redirectUri`; returns that URL (with `code` and `state`, or `error`).
 */
export async function loginAtLocalOidc(authorizeUrl: string, login: string, redirectUri: string): Promise<URL> {
  const cookies = new Map<string, string>();
  const go = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const res = await fetch(new URL(url, authorizeUrl), {
      ...init,
      redirect: "manual",
      headers: { ...init.headers, cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return res;
  };
  let res = await go(authorizeUrl);
  for (let step = 0; step < 8; step++) {
    const location = res.headers.get("location");
    if (location?.startsWith(redirectUri)) return new URL(location);
    if (location !== null) {
      res = await go(location);
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (res.status !== 200 || action === undefined || !html.includes('name="login"')) {
      throw new Error(`unexpected answer from the provider (HTTP ${res.status}): ${html.slice(0, 300)}`);
    }
    res = await go(action.replaceAll("&amp;", "&"), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ prompt: "login", login, password: "any" }).toString(),
    });
  }
  throw new Error("the sign-in did not come back to the redirect URI");
}
