/** What an API key or an operator may do. `admin` implies every other scope. */
export const Scope = {
  send: "send",
  read: "read",
  admin: "admin",
  /**
   * TenantService: create, list, change and delete tenants. Only keys of the
   * default tenant may hold it; it is not implied by `admin`.
   */
  superAdmin: "super_admin",
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];
export const allScopes: readonly Scope[] = Object.values(Scope);
/** The scopes of one tenant's keys and operators (all but super_admin). */
export const tenantScopes: readonly Scope[] = [Scope.send, Scope.read, Scope.admin];

/**
 * Who is calling: a backend service with an API key, an end user with a token,
 * or an operator signed in to the console through the configured OpenID
 * Connect issuer (`subject` is the ID token's `sub`; the scopes come from its
 * groups). An operator may do exactly what an API key with the same scopes may.
 * Every caller acts inside one tenant (`tenantId`): the API key's tenant, the
 * user token's `tenant` claim, the default tenant for operators.
 */
export type Principal =
  | { kind: "api_key"; tenantId: string; keyId: string; name: string; scopes: readonly Scope[] }
  | { kind: "user"; tenantId: string; userId: string }
  | { kind: "operator"; tenantId: string; subject: string; name: string; scopes: readonly Scope[] };

export function isScope(value: string): value is Scope {
  return (allScopes as readonly string[]).includes(value);
}

/**
 * Whom a notification is recorded as sent by (`sender_key_id`), which also
 * scopes Send's idempotency keys and Cancel's "own notifications": the API
 * key's id, `oidc:<sub>` for an operator (API key ids are hex, so the two
 * never meet), null for a user token.
 */
export function senderIdOf(principal: Principal): string | null {
  if (principal.kind === "api_key") return principal.keyId;
  if (principal.kind === "operator") return `oidc:${principal.subject}`;
  return null;
}
