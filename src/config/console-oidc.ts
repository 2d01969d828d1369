import type { Scope } from "../domain/principal.js";
import type { EnvReader } from "./env.js";

/**
 * OpenID Connect sign-in for the operator console: who issues the ID tokens,
 * for which client, and which groups map to which Herald scopes. Null when
 * CONSOLE_OIDC_ISSUER is unset (OIDC off).
 */
export interface ConsoleOidcConfig {
  /** The issuer exactly as its ID tokens name it (`iss`) and its discovery document states it. */
  issuer: string;
  /** The console's client id at the issuer: ID tokens must name it in `aud`. */
  clientId: string;
  /** Shown on the sign-in button: "Sign in with <name>". */
  name: string;
  /** Scopes the console asks for; always includes `openid`. */
  scopes: string;
  /** The ID token claim listing the operator's groups or roles. */
  groupsClaim: string;
  /** Which Herald scopes each group grants; an operator holds the union over their groups. */
  groupScopes: ReadonlyMap<string, readonly Scope[]>;
}

/** What the browser may know of it, served at `/console/config.json`. */
export interface PublicConsoleOidc {
  issuer: string;
  clientId: string;
  name: string;
  scopes: string;
}

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** The group variables, each granting one scope. */
const groupVariables: ReadonlyArray<[string, Scope]> = [
  ["CONSOLE_OIDC_ADMIN_GROUPS", "admin"],
  ["CONSOLE_OIDC_SEND_GROUPS", "send"],
  ["CONSOLE_OIDC_READ_GROUPS", "read"],
];

export function readConsoleOidc(env: EnvReader): ConsoleOidcConfig | null {
  const issuer = env.str("CONSOLE_OIDC_ISSUER", null);
  if (issuer === null) {
    const stray = ["CONSOLE_OIDC_CLIENT_ID", ...groupVariables.map(([name]) => name)].filter(
      (name) => env.str(name, null) !== null,
    );
    if (stray.length > 0) env.problems.push(`${stray.join(", ")} need CONSOLE_OIDC_ISSUER (OIDC sign-in is off)`);
    return null;
  }
  checkIssuer(env, issuer);
  const clientId = env.required("CONSOLE_OIDC_CLIENT_ID");
  const groupsClaim = env.str("CONSOLE_OIDC_GROUPS_CLAIM", "groups") as string;
  const scopes = env.str("CONSOLE_OIDC_SCOPES", "openid profile email") as string;
  if (!scopes.split(/\s+/).includes("openid")) {
    env.problems.push(`CONSOLE_OIDC_SCOPES must include "openid" (space-separated), got "${scopes}"`);
  }
  const groupScopes = new Map<string, Scope[]>();
  for (const [name, scope] of groupVariables) {
    for (const group of env.list(name)) groupScopes.set(group, [...(groupScopes.get(group) ?? []), scope]);
  }
  if (groupScopes.size === 0) {
    env.problems.push(
      "CONSOLE_OIDC_ISSUER is set but none of CONSOLE_OIDC_ADMIN_GROUPS, CONSOLE_OIDC_SEND_GROUPS, CONSOLE_OIDC_READ_GROUPS names a group: no operator could do anything",
    );
  }
  return {
    issuer,
    clientId,
    name: env.str("CONSOLE_OIDC_NAME", "single sign-on") as string,
    scopes,
    groupsClaim,
    groupScopes,
  };
}

/** An https URL, or http on a loopback host (a local provider for development and tests). */
function checkIssuer(env: EnvReader, issuer: string): void {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    env.problems.push(`CONSOLE_OIDC_ISSUER must be a URL, got "${issuer}"`);
    return;
  }
  const loopback = url.protocol === "http:" && loopbackHosts.has(url.hostname);
  if (url.protocol !== "https:" && !loopback) {
    env.problems.push(
      `CONSOLE_OIDC_ISSUER must be an https URL (http only on 127.0.0.1, localhost or [::1]), got "${issuer}"`,
    );
  } else if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    env.problems.push(`CONSOLE_OIDC_ISSUER must have no query, fragment or credentials, got "${issuer}"`);
  }
}

/** The browser-safe part of the configuration, or null when OIDC is off. */
export function publicConsoleOidc(config: ConsoleOidcConfig | null): PublicConsoleOidc | null {
  if (config === null) return null;
  return { issuer: config.issuer, clientId: config.clientId, name: config.name, scopes: config.scopes };
}
