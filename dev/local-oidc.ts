import { randomBytes } from "node:crypto";
import http from "node:http";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import Provider, { type Configuration } from "oidc-provider";
import { freePort } from "./free-port.js";

/** A person who can sign in at the local provider (with any password). */
export interface LocalOidcAccount {
  /** The `groups` claim of their ID tokens. */
  groups: string[];
  email?: string;
  name?: string;
}

export interface LocalOidcOptions {
  /** The one public client's id (the console's CONSOLE_OIDC_CLIENT_ID). */
  clientId: string;
  /** Where the client may be sent back, such as `http://127.0.0.1:8080/console/`. */
  redirectUris: string[];
  /** Who may sign in, by login name (their `sub`). */
  accounts: Record<string, LocalOidcAccount>;
  /** Default: a free port on 127.0.0.1. */
  port?: number;
  /** Lifetime of ID tokens, in seconds (default one hour). */
  idTokenTtlSeconds?: number;
  /** The private RS256 JWK (with `kid`) to sign with; default: one made at start. Tests pass theirs to forge tokens. */
  signingJwk?: JWK;
}

export interface LocalOidc {
  /** The issuer, `http://127.0.0.1:<port>`: CONSOLE_OIDC_ISSUER. */
  issuer: string;
  stop(): Promise<void>;
}

/**
 * An OpenID Connect provider on 127.0.0.1 for development and tests, built
 * with `oidc-provider`: one public client (no secret, PKCE S256 required,
 * CORS for its redirect URIs' origins on the token endpoint), the accounts
 * given, signed in through oidc-provider's development login form (any
 * password), consent granted at once (the console is first party). ID tokens
 * are signed RS256 (with `signingJwk`, or a key made at start) and carry
 * `groups`, `email` and `name`. Not for production: accounts live in memory and any password works.
 */
export async function startLocalOidc(options: LocalOidcOptions): Promise<LocalOidc> {
  const port = options.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const signingKey = options.signingJwk ?? (await newSigningJwk());
  const redirectOrigins = new Set(options.redirectUris.map((uri) => new URL(uri).origin));

  const configuration: Configuration = {
    clients: [
      {
        client_id: options.clientId,
        token_endpoint_auth_method: "none",
        redirect_uris: options.redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        id_token_signed_response_alg: "RS256",
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    // Every public client must use PKCE (S256 is the only method oidc-provider accepts).
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    // `groups` comes with `profile`, so the console's default scopes (openid profile email) get it.
    claims: { openid: ["sub"], profile: ["name", "groups"], email: ["email", "email_verified"] },
    // Put the granted claims in the ID token itself (the console sends only the ID token to Herald).
    conformIdTokenClaims: false,
    ttl: {
      IdToken: options.idTokenTtlSeconds ?? 3600,
      AccessToken: 3600,
      Interaction: 600,
      Grant: 8 * 3600,
      Session: 8 * 3600,
    },
    clientBasedCORS: (_ctx, origin) => redirectOrigins.has(origin),
    findAccount: (_ctx, sub) => {
      const account = options.accounts[sub];
      if (account === undefined) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          groups: account.groups,
          name: account.name ?? sub,
          ...(account.email !== undefined && { email: account.email, email_verified: true }),
        }),
      };
    },
    // First party: the operator is not asked to consent; the grant covers the console's scopes.
    loadExistingGrant: async (ctx) => {
      const { client, session, result } = ctx.oidc;
      if (client === undefined || session?.accountId === undefined) return undefined;
      const grantId = result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope("openid profile email");
      await grant.save();
      return grant;
    },
  };

  const provider = new Provider(issuer, configuration);
  // A 500 inside the provider is a mistake in this setup: show it (refused requests, 400s, are expected).
  provider.on("server_error", (_ctx, error) => console.error("local OIDC provider error:", error));
  const server = http.createServer(provider.callback());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    issuer,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A new private RS256 JWK with a key id, for signing ID tokens. */
export async function newSigningJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomBytes(6).toString("hex"), alg: "RS256", use: "sig" };
}
