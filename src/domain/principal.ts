/** What an API key or an operator may do. `admin` implies every other scope. */
export const Scope = {
  send: "send",
  read: "read",
  admin: "admin",
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];
export const allScopes: readonly Scope[] = Object.values(Scope);

/**
 * Who is calling: a backend service with an API key, an end user with a token,
 * or an operator signed in to the console through the configured OpenID
 * Connect issuer (`subject` is the ID token's `sub`; the scopes come from its
 * groups). An operator may do exactly what an API key with the same scopes may.
 */
export type Principal =
  | { kind: "api_key"; keyId: string; name: string; scopes: readonly Scope[] }
  | { kind: "user"; userId: string }
  | { kind: "operator"; subject: string; name: string; scopes: readonly Scope[] };

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
