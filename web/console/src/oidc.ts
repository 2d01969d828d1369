// Stub: op-oidc owns this file; the lead takes its version at merge.

/** Starts OIDC sign-in (authorization code + PKCE) by leaving for the issuer. */
export async function startOidcSignIn(
  _config: { issuer: string; clientId: string },
  _redirectUri: string,
): Promise<void> {
  throw new Error("OIDC sign-in is not available");
}

/** Completes sign-in when `location` is the issuer's redirect back; null when it is not one. */
export async function completeOidcSignIn(_location: URL): Promise<{ idToken: string } | null> {
  throw new Error("OIDC sign-in is not available");
}
