import { describe, expect, it } from "vitest";
import { publicConsoleOidc } from "../../src/config/console-oidc.js";
import { ConfigError, loadConfig } from "../../src/config.js";

const minimal = { DATABASE_URL: "postgres://u:p@db:5432/herald", NATS_URL: "nats://nats:4222" };
const oidc = {
  CONSOLE_OIDC_ISSUER: "https://id.example.com/realms/ops",
  CONSOLE_OIDC_CLIENT_ID: "herald-console",
  CONSOLE_OIDC_ADMIN_GROUPS: "herald-admins, platform",
  CONSOLE_OIDC_READ_GROUPS: "herald-support,platform",
};
const problemsOf = (env: Record<string, string>): string => {
  try {
    loadConfig({ ...minimal, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join("\n");
    throw error;
  }
  return "";
};

describe("CONSOLE_OIDC_*", () => {
  it("is off without an issuer, and the console is told so", () => {
    const config = loadConfig(minimal);
    expect(config.auth.consoleOidc).toBeNull();
    expect(publicConsoleOidc(config.auth.consoleOidc)).toBeNull();
  });

  it("reads the issuer, client, defaults and the group mapping", () => {
    const { consoleOidc } = loadConfig({ ...minimal, ...oidc }).auth;
    expect(consoleOidc).toMatchObject({
      issuer: "https://id.example.com/realms/ops",
      clientId: "herald-console",
      name: "single sign-on",
      scopes: "openid profile email",
      groupsClaim: "groups",
    });
    expect(Object.fromEntries(consoleOidc?.groupScopes ?? [])).toEqual({
      "herald-admins": ["admin"],
      platform: ["admin", "read"],
      "herald-support": ["read"],
    });
  });

  it("gives the browser the issuer, client, name and scopes only", () => {
    const config = loadConfig({
      ...minimal,
      ...oidc,
      CONSOLE_OIDC_NAME: "Acme SSO",
      CONSOLE_OIDC_SCOPES: "openid groups",
    });
    expect(publicConsoleOidc(config.auth.consoleOidc)).toEqual({
      issuer: "https://id.example.com/realms/ops",
      clientId: "herald-console",
      name: "Acme SSO",
      scopes: "openid groups",
    });
  });

  it("allows http on loopback only", () => {
    expect(problemsOf({ ...oidc, CONSOLE_OIDC_ISSUER: "http://127.0.0.1:4000" })).toBe("");
    expect(problemsOf({ ...oidc, CONSOLE_OIDC_ISSUER: "http://id.example.com" })).toMatch(
      /CONSOLE_OIDC_ISSUER must be an https URL/,
    );
  });

  it.each([
    ["a bad issuer", { CONSOLE_OIDC_ISSUER: "not a url" }, /CONSOLE_OIDC_ISSUER must be a URL/],
    [
      "an issuer with a query",
      { CONSOLE_OIDC_ISSUER: "https://id.example.com/?x=1" },
      /CONSOLE_OIDC_ISSUER must have no query/,
    ],
    ["no client id", { CONSOLE_OIDC_CLIENT_ID: "" }, /CONSOLE_OIDC_CLIENT_ID is required/],
    ["scopes without openid", { CONSOLE_OIDC_SCOPES: "profile email" }, /CONSOLE_OIDC_SCOPES must include "openid"/],
    [
      "no group mapped",
      { CONSOLE_OIDC_ADMIN_GROUPS: "", CONSOLE_OIDC_READ_GROUPS: "" },
      /none of CONSOLE_OIDC_ADMIN_GROUPS, CONSOLE_OIDC_SEND_GROUPS, CONSOLE_OIDC_READ_GROUPS/,
    ],
  ])("refuses %s, naming the variable", (_, env, message) => {
    expect(problemsOf({ ...oidc, ...env })).toMatch(message);
  });

  it("refuses OIDC settings without an issuer (a forgotten variable would switch sign-in off silently)", () => {
    expect(problemsOf({ CONSOLE_OIDC_CLIENT_ID: "x", CONSOLE_OIDC_READ_GROUPS: "g" })).toMatch(
      /CONSOLE_OIDC_CLIENT_ID, CONSOLE_OIDC_READ_GROUPS need CONSOLE_OIDC_ISSUER/,
    );
  });
});
