import { UnauthenticatedError } from "../domain/errors.js";
import type { Principal } from "../domain/principal.js";
import type { OidcOperatorVerifier } from "./oidc-operators.js";
import type { UserTokenResult } from "./user-tokens.js";

export interface AuthenticatorOptions {
  verifyApiKey: (key: string) => Promise<Principal | null>;
  verifyUserToken: (token: string) => Promise<UserTokenResult>;
  /** Console operators' OIDC ID tokens; null when CONSOLE_OIDC_ISSUER is unset. */
  oidcOperators?: Pick<OidcOperatorVerifier, "isFor" | "verify"> | null;
}

/** Longest credential read: API keys are under 170 characters, user tokens a few hundred. */
export const maxCredentialLength = 8192;

/**
 * Turns an `Authorization` header into a Principal. API keys start with `hk_`;
 * a JWT from the console's OIDC issuer for the console's client id is an
 * operator's ID token; anything else is taken as a user token (so user tokens
 * from the same issuer, for another audience, keep working as users).
 */
export function createAuthenticator(options: AuthenticatorOptions) {
  return async function authenticate(authorization: string | null): Promise<Principal> {
    if (authorization === null || authorization.trim() === "") {
      throw new UnauthenticatedError("missing credentials: send `Authorization: Bearer <API key or user token>`");
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match === null) {
      throw new UnauthenticatedError("the Authorization header must be `Bearer <API key or user token>`");
    }
    const credential = match[1] as string;
    if (credential.length > maxCredentialLength) {
      throw new UnauthenticatedError(`the credential is longer than ${maxCredentialLength} characters`);
    }
    if (credential.startsWith("hk_")) {
      const principal = await options.verifyApiKey(credential);
      if (principal === null) throw new UnauthenticatedError("the API key is unknown or revoked");
      return principal;
    }
    const operators = options.oidcOperators;
    if (operators?.isFor(credential)) return operators.verify(credential);
    const result = await options.verifyUserToken(credential);
    if ("refused" in result) throw new UnauthenticatedError(result.refused);
    return { kind: "user", tenantId: result.tenantId, userId: result.userId };
  };
}
