import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../dev/free-port.js";
import { type LocalOidc, startLocalOidc } from "../../dev/local-oidc.js";
import { type ConsoleHerald, startConsoleHerald } from "./console-herald.js";

// The browser global that page.evaluate's function uses (this project's tsconfig has no DOM library).
declare const sessionStorage: { getItem(key: string): string | null };

// The console's OIDC sign-in in Chromium: the button, the local provider's
// login form, and back to the console signed in, with the scope the groups give.
const chromiumPath = "/usr/bin/chromium";
const hasChromium = existsSync(chromiumPath);

let c: ConsoleHerald;
let provider: LocalOidc;
let browser: Browser;
const pageErrors: string[] = [];

/** A fresh browser context (no cookies at the provider, empty sessionStorage) on the console. */
async function freshPage(): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (err) => pageErrors.push(err.message));
  page.on("console", (m) => {
    if (m.text().includes("Content Security Policy")) pageErrors.push(m.text());
  });
  await page.goto(c.consoleUrl);
  return page;
}

/** Clicks "Sign in with local OIDC" and signs in at the provider's login form. */
async function signInWithOidc(page: Page, login: string): Promise<void> {
  await page.getByRole("button", { name: "Sign in with local OIDC" }).click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any password");
  await page.locator('button[type="submit"]').click();
}

describe.skipIf(!hasChromium)(
  hasChromium ? "console OIDC sign-in in Chromium" : `console OIDC sign-in: skipped, ${chromiumPath} is missing`,
  () => {
    beforeAll(async () => {
      // Herald first, naming the issuer's port; the provider then learns Herald's console URL.
      const issuerPort = await freePort();
      c = await startConsoleHerald({
        CONSOLE_OIDC_ISSUER: `http://127.0.0.1:${issuerPort}`,
        CONSOLE_OIDC_CLIENT_ID: "herald-console",
        CONSOLE_OIDC_NAME: "local OIDC",
        CONSOLE_OIDC_ADMIN_GROUPS: "herald-admins",
        CONSOLE_OIDC_READ_GROUPS: "herald-support",
      });
      provider = await startLocalOidc({
        clientId: "herald-console",
        port: issuerPort,
        redirectUris: [`${c.consoleUrl}/`],
        accounts: {
          alice: { groups: ["herald-admins"], email: "alice@example.com" },
          sam: { groups: ["herald-support"], email: "sam@example.com" },
          nobody: { groups: ["elsewhere"], email: "nobody@example.com" },
        },
      });
      browser = await chromium.launch({
        executablePath: chromiumPath,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
      });
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      await provider?.stop();
      await c?.close();
    });

    it("signs an admin-group operator in through the issuer and back, signed in as admin", async () => {
      const page = await freshPage();
      await signInWithOidc(page, "alice");
      await page.locator("#who").waitFor();
      const who = await page.locator("#who").textContent();
      expect(who).toContain("alice@example.com");
      expect(who).toContain("admin");
      // The code and state are gone from the address; the credential is the ID token, in this tab only.
      expect(new URL(page.url()).search).toBe("");
      const stored = await page.evaluate(() => sessionStorage.getItem("herald-console-credential"));
      expect(JSON.parse(stored ?? "{}")).toMatchObject({ kind: "oidc" });
      // A reload keeps the session (the token is checked again with WhoAmI).
      await page.reload();
      await page.locator("#who").waitFor();
      expect(pageErrors).toEqual([]);
    });

    it("gives a read-group operator the read scope only", async () => {
      const page = await freshPage();
      await signInWithOidc(page, "sam");
      await page.locator("#who").waitFor();
      const who = (await page.locator("#who").textContent()) ?? "";
      expect(who).toContain("sam@example.com");
      expect(who).toMatch(/scopes: read$/);
    });

    it("tells an operator in no Herald group why they cannot use the console", async () => {
      const page = await freshPage();
      await signInWithOidc(page, "nobody");
      await expect.poll(() => page.locator("#sign-in-error").textContent()).toContain("no read or admin scope");
      expect(await page.locator("#who").count()).toBe(0);
    });
  },
);
