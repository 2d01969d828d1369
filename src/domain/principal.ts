/** What an API key may do. `admin` implies every other scope. */
export const Scope = {
  send: "send",
  read: "read",
  admin: "admin",
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];
export const allScopes: readonly Scope[] = Object.values(Scope);

/** Who is calling: a backend service with an API key, or an end user with a token. */
export type Principal =
  | { kind: "api_key"; keyId: string; name: string; scopes: readonly Scope[] }
  | { kind: "user"; userId: string };

export function isScope(value: string): value is Scope {
  return (allScopes as readonly string[]).includes(value);
}
