import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

const chromiumPath = "/usr/bin/chromium";

// What the console keeps in session storage and how its activity rows look
// (web/console/src/session.ts, pages/activity.ts): the bench signs in the way
// the console itself remembers a sign-in.
const sessionKey = "herald-console-credential";
const firstRow = "main table tbody tr";

export interface FirstRender {
  /** Why nothing was measured (no Chromium). */
  skipped?: string;
  runsMs: number[];
  medianMs: number;
  maxMs: number;
}

/**
 * Opens the console's activity page in headless Chromium `runs` times, each in
 * a fresh page of one browser (so the first run loads the bundle cold and the
 * others from the HTTP cache, as a returning operator would), and times
 * navigation start to the first result row being visible.
 */
export async function consoleFirstRender(o: { url: string; apiKey: string; runs: number }): Promise<FirstRender> {
  if (!existsSync(chromiumPath)) return { skipped: `${chromiumPath} is missing`, runsMs: [], medianMs: 0, maxMs: 0 };
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--headless", "--no-sandbox", "--disable-gpu"],
  });
  const runsMs: number[] = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript({
      content: `sessionStorage.setItem(${JSON.stringify(sessionKey)}, ${JSON.stringify(JSON.stringify({ token: o.apiKey, kind: "api_key" }))})`,
    });
    for (let i = 0; i < o.runs; i++) {
      const page = await context.newPage();
      const start = performance.now();
      await page.goto(`${o.url}/console/#/activity`);
      await page.locator(firstRow).first().waitFor({ state: "visible", timeout: 60_000 });
      runsMs.push(Math.round(performance.now() - start));
      await page.close();
    }
  } finally {
    await browser.close();
  }
  const sorted = [...runsMs].sort((a, b) => a - b);
  return { runsMs, medianMs: sorted[Math.floor(sorted.length / 2)] ?? 0, maxMs: sorted[sorted.length - 1] ?? 0 };
}
