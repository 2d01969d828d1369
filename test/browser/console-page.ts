import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { expect } from "vitest";

// Helpers for the console's browser tests.

// The browser global that page.evaluate's functions use (this project's tsconfig has no DOM library).
declare const window: object;

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: unknown[];
}

/** axe-core on the page as it is: no serious or critical violations; the others are printed. */
export async function axeCheck(page: Page, name: string): Promise<void> {
  // Evaluated over the DevTools protocol: the console's own policy (script-src 'self')
  // rightly refuses an injected <script> tag, which page.addScriptTag would add.
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  });
  const minor = violations.filter((v) => v.impact !== "serious" && v.impact !== "critical");
  if (minor.length > 0) console.log(`axe on ${name}, minor:`, JSON.stringify(minor));
  expect(
    violations.filter((v) => v.impact === "serious" || v.impact === "critical"),
    name,
  ).toEqual([]);
}
