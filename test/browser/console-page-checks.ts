import path from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { axeCheck } from "./console-page.js";

// The browser globals page.evaluate's functions use (this project's tsconfig has no DOM library).
declare const window: object;
declare const document: {
  documentElement: { scrollWidth: number };
  querySelectorAll(selector: string): Iterable<{ textContent: string | null }>;
};

const screenshots = path.resolve(import.meta.dirname, "../../docs/screenshots");

/**
 * Checks a console page in Chromium shares: sign-in, routes, accessibility
 * (axe-core), phone width, screenshots and the text of inline errors.
 */
export function consolePageChecks(page: Page, consoleUrl: string) {
  const checks = {
    async signIn(key: string) {
      await page.goto(consoleUrl);
      await page.getByLabel("API key (read or admin scope)").fill(key);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.locator("#who").waitFor();
    },

    /** Goes to a console route and waits for its <h1>. */
    async open(hash: string, heading: string) {
      await page.evaluate((h) => {
        (window as unknown as { location: { hash: string } }).location.hash = h;
      }, hash);
      await page.getByRole("heading", { level: 1, name: heading }).waitFor();
    },

    /** axe-core on the current page: no serious or critical violations; the others are printed. */
    async accessibility(name: string) {
      await axeCheck(page, name);
    },

    /** At phone width nothing makes the page itself scroll sideways (tables scroll inside their container). */
    async phoneWidth(name: string) {
      await page.setViewportSize({ width: 390, height: 844 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth), name).toBeLessThanOrEqual(390);
      await checks.accessibility(`${name} at 390 px`);
      await page.setViewportSize({ width: 1280, height: 800 });
    },

    /** A screenshot of the page's top into docs/screenshots, without the shell's passing status messages. */
    async screenshot(name: string) {
      await page.evaluate(() => {
        for (const toast of document.querySelectorAll(".announce")) toast.textContent = "";
        (window as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0);
      });
      await page.screenshot({ path: path.join(screenshots, name) });
    },

    /** The text a control is described by (aria-describedby), which is where an inline error goes. */
    async describedBy(selector: string): Promise<string> {
      const ids = (await page.locator(selector).getAttribute("aria-describedby")) ?? "";
      const notes = ids.split(" ").filter((id) => id !== "");
      return (await Promise.all(notes.map((id) => page.locator(`#${id}`).textContent()))).join(" ");
    },
  };
  return checks;
}

/** The Connect code a call fails with, or undefined when it succeeds. */
export async function codeOf(call: Promise<unknown>): Promise<Code | undefined> {
  try {
    await call;
    return undefined;
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

export { Code };
