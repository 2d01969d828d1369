import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startHerald, type TestHerald } from "../helpers/herald.js";

// examples/typescript/update-retract.ts against a real Herald: it is
// documentation of threads, updates and retraction, so it must keep working.
const root = path.resolve(import.meta.dirname, "../..");
let herald: TestHerald;
let key: string;

beforeAll(async () => {
  herald = await startHerald();
  key = await herald.apiKey(["send", "read"]);
});
afterAll(() => herald.close());

it("the TypeScript example keeps one notification per thread, updates it, then retracts it", async () => {
  const user = `ts-thread-${Date.now()}`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", path.join(root, "examples/typescript/update-retract.ts"), "--user", user],
    { env: { ...process.env, HERALD_URL: herald.url, HERALD_API_KEY: key }, timeout: 30_000 },
  );
  const lines = stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines).toEqual([
    { step: "thread", titles: ['3 new comments on "Launch plan"'], unread: 1 },
    { step: "update", changed: true, version: 2, title: '3 new comments on "Launch plan (v2)"' },
    { step: "retract", retracted: 1, left: 0 },
    { step: "update_after_retract", code: "FailedPrecondition" },
  ]);
});
