import { createRemoteJWKSet, decodeJwt, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import type { ConsoleOidcConfig } from "../config/console-oidc.js";
import { UnauthenticatedError, UnavailableError } from "../domain/errors.js";
import { allScopes, type Principal, type Scope } from "../domain/principal.js";
import { defaultTenant } from "../domain/tenant.js";
import { createOidcDiscovery } from "./oidc-discovery.js";
import { keySetOrUnavailable } from "./user-tokens.js";

export interface OidcOperatorOptions {
  config: ConsoleOidcConfig;
  /** How long a fetch of the discovery document or the key set may take. */
  fetchTimeoutMs?: number;
}

type Operator = Extract<Principal, { kind: "operator" }>;

/** ID tokens living longer than this are refused: a leaked one must not work for days (providers issue minutes to an hour). */
const maxLifetimeSeconds = 24 * 3600;

// Clocks of the issuer and of Herald may differ this much.
const clockToleranceSeconds = 30;
// Asymmetric algorithms only: an HS256 ID token would be signed with the
// client secret, and the console is a public client without one.
const algorithms = ["RS256", "ES256", "EdDSA"];

/**
 * Operators signed in to the console with OpenID Connect: their credential is
 * the ID token the console got from the configured issuer. `isFor` tells such
 * a token from others without verifying it (its `iss` is the issuer and its
 * `aud` names the console's client id); `verify` checks it (signature against
 * the issuer's JWKS found through discovery, issuer, audience, `exp`, `iat`)
 * and maps its groups claim to scopes. A verified operator in none of the
 * configured groups is still signed in, with no scopes: every call but WhoAmI
 * is then PERMISSION_DENIED, so the console can say why.
 */
export function createOidcOperatorVerifier(options: OidcOperatorOptions) {
  const { config } = options;
  const timeoutMs = options.fetchTimeoutMs ?? 5000;
  const discover = createOidcDiscovery({ issuer: config.issuer, timeoutMs, retryAfterMs: 5000 });
  let keySet: JWTVerifyGetKey | null = null;
  const keys: JWTVerifyGetKey = async (header, token) => {
    if (keySet === null) {
      const { jwksUri } = await discover();
      keySet ??= keySetOrUnavailable(createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: timeoutMs }));
    }
    return keySet(header, token);
  };

  // The console sends the same token with every call and polls every few
  // seconds: a verified token is remembered until it expires (at most a minute).
  const verified = new Map<string, { operator: Operator; until: number }>();

  return {
    isFor(token: string): boolean {
      try {
        const { iss, aud } = decodeJwt(token);
        return (
          iss === config.issuer && (aud === config.clientId || (Array.isArray(aud) && aud.includes(config.clientId)))
        );
      } catch {
        return false;
      }
    },

    async verify(token: string): Promise<Operator> {
      const known = verified.get(token);
      if (known !== undefined && known.until > Date.now()) return known.operator;
      verified.delete(token);
      let payload: JWTPayload;
      let typ: string | undefined;
      try {
        ({
          payload,
          protectedHeader: { typ },
        } = await jwtVerify(token, keys, {
          issuer: config.issuer,
          audience: config.clientId,
          algorithms,
          clockTolerance: clockToleranceSeconds,
          requiredClaims: ["sub", "exp", "iat"],
        }));
      } catch (error) {
        if (error instanceof UnavailableError) throw error;
        throw new UnauthenticatedError("the console sign-in (OIDC ID token) is invalid or expired; sign in again");
      }
      // OpenID Connect Core 3.1.3.7: with several audiences `azp` must name this client, and
      // when present it must be this client (a token another app obtained names itself).
      const several = Array.isArray(payload.aud) && payload.aud.length > 1;
      if ((several || payload.azp !== undefined) && payload.azp !== config.clientId) {
        throw new UnauthenticatedError("the OIDC ID token was issued to another client (azp)");
      }
      // An OAuth access token (RFC 9068) is for APIs, not a sign-in: the console sends ID tokens.
      if (typ !== undefined && /^(application\/)?at\+jwt$/i.test(typ)) {
        throw new UnauthenticatedError("an OAuth access token is not an OIDC ID token; sign in to the console again");
      }
      if ((payload.exp as number) - (payload.iat as number) > maxLifetimeSeconds) {
        throw new UnauthenticatedError(`the OIDC ID token lives longer than ${maxLifetimeSeconds / 3600} hours`);
      }
      const subject = payload.sub as string;
      if (!/^[!-~]{1,255}$/.test(subject)) throw new UnauthenticatedError("the OIDC ID token's sub is not usable");
      const operator: Operator = {
        kind: "operator",
        // Console operators run the deployment: they act in the default tenant.
        tenantId: defaultTenant,
        subject,
        name: displayName(payload),
        scopes: scopesOf(groupsOf(payload, config.groupsClaim), config.groupScopes),
      };
      if (verified.size >= 1000) verified.clear(); // bounded: few operators sign in
      verified.set(token, { operator, until: Math.min(Date.now() + 60_000, (payload.exp as number) * 1000) });
      return operator;
    },
  };
}

export type OidcOperatorVerifier = ReturnType<typeof createOidcOperatorVerifier>;

/**
 * The groups claim's values: a list of strings, or one string. A claim name
 * with dots that is not itself a claim is read as a path into nested objects
 * (`realm_access.roles`), so both namespaced claims (`https://example.com/groups`)
 * and nested ones work.
 */
export function groupsOf(payload: Record<string, unknown>, claim: string): string[] {
  let value: unknown = payload[claim];
  if (value === undefined && claim.includes(".")) {
    value = claim.split(".").reduce<unknown>((at, part) => (isObject(at) ? at[part] : undefined), payload);
  }
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** The union of the scopes of every group, in the usual order. */
export function scopesOf(groups: readonly string[], groupScopes: ReadonlyMap<string, readonly Scope[]>): Scope[] {
  const held = new Set(groups.flatMap((g) => groupScopes.get(g) ?? []));
  return allScopes.filter((s) => held.has(s));
}

function displayName(payload: JWTPayload): string {
  for (const claim of ["email", "preferred_username", "name"]) {
    const value = payload[claim];
    if (typeof value === "string" && value !== "") return value.slice(0, 256);
  }
  return payload.sub as string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
