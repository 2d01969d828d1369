import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { runExample } from "./python-runner.js";

// The examples of threads, updates and retraction (TypeScript, Python, Go)
// against a real Herald: they are documentation, so they must keep working.
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

it("the Python example does the same over gRPC", async () => {
  const user = `py-thread-${Date.now()}`;
  const env = { HERALD_TARGET: `127.0.0.1:${herald.port}`, HERALD_API_KEY: key };
  const run = runExample(env, ["--user", user], path.join(root, "examples/python/update_retract.py"));
  try {
    expect(await run.exitCode(30_000), run.output()).toBe(0);
    expect(run.lines as unknown[], run.output()).toEqual([
      { kind: "thread", titles: ['3 new comments on "Launch plan"'], unread: 1 },
      { kind: "update", changed: true, version: 2, title: '3 new comments on "Launch plan (v2)"' },
      { kind: "retract", retracted: 1, left: 0 },
      { kind: "update_after_retract", code: "FAILED_PRECONDITION" },
    ]);
  } finally {
    if (run.child.exitCode === null) run.child.kill("SIGKILL");
  }
});

it("the Go example does the same over gRPC", async () => {
  const tmp = await mkdtemp(path.join(os.tmpdir(), "herald-go-updateretract-"));
  try {
    const binary = path.join(tmp, "updateretract");
    const run = promisify(execFile);
    await run("go", ["build", "-o", binary, "./updateretract"], {
      cwd: path.join(root, "examples/go"),
      timeout: 180_000,
    });
    const user = `go-thread-${Date.now()}`;
    const { stdout } = await run(binary, ["-user", user], {
      env: { ...process.env, HERALD_URL: herald.url, HERALD_API_KEY: key },
      timeout: 30_000,
    });
    expect(
      stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { step: "thread", titles: ['3 new comments on "Launch plan"'], unread: 1 },
      { step: "update", changed: true, version: 2, title: '3 new comments on "Launch plan (v2)"' },
      { step: "retract", retracted: 1, left: 0 },
      { step: "update_after_retract", code: "FailedPrecondition" },
    ]);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}, 240_000);
