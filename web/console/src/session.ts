/**
 * The signed-in credential (an API key or an OIDC id token), kept in
 * sessionStorage: it lives as long as the tab and is never shared with other
 * tabs or written to disk by the page.
 */
const key = "herald-console-credential";

export interface Credential {
  /** What goes after `Bearer `. */
  token: string;
  kind: "api_key" | "oidc";
}

export function loadCredential(): Credential | null {
  try {
    const raw = sessionStorage.getItem(key);
    if (raw === null) return null;
    const value = JSON.parse(raw) as Partial<Credential>;
    return typeof value.token === "string" && (value.kind === "api_key" || value.kind === "oidc")
      ? { token: value.token, kind: value.kind }
      : null;
  } catch {
    return null;
  }
}

export function saveCredential(credential: Credential): void {
  sessionStorage.setItem(key, JSON.stringify(credential));
}

export function clearCredential(): void {
  sessionStorage.removeItem(key);
}
