import type { Principal } from "../domain/principal.js";

/** Who a caller is, as WhoAmI tells it. */
export interface Caller {
  /** `api_key`, `user`, or (signed in through OIDC) `oidc`. */
  kind: string;
  /** The key's name, the user id, or the OIDC subject's name or email. */
  name: string;
  /** What the caller may do; empty for user tokens. */
  scopes: readonly string[];
  /** The API key's id; empty for other kinds. */
  keyId: string;
  /** The tenant the caller acts in. */
  tenantId: string;
}

/**
 * WhoAmI: the one mapping from a principal to what a console shows. Any
 * authenticated caller may ask; a new principal kind needs a case here.
 */
export function callerOf(principal: Principal): Caller {
  switch (principal.kind) {
    case "api_key":
      return {
        kind: "api_key",
        name: principal.name,
        scopes: principal.scopes,
        keyId: principal.keyId,
        tenantId: principal.tenantId,
      };
    case "user":
      return { kind: "user", name: principal.userId, scopes: [], keyId: "", tenantId: principal.tenantId };
    case "operator":
      return { kind: "oidc", name: principal.name, scopes: principal.scopes, keyId: "", tenantId: principal.tenantId };
  }
}
