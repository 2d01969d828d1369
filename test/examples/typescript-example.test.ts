import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connectClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

const root = path.resolve(import.meta.dirname, "../..");
let herald: TestHerald;
let key: string;

beforeAll(async () => {
  herald = await startHerald();
  key = await herald.apiKey(["send", "read"]);
});
afterAll(() => herald.close());

it.each([
  ["connect", []],
  ["grpc", ["--grpc"]],
] as const)("the TypeScript example sends and lists over %s", async (protocol, flags) => {
  const user = `ts-${protocol}-${Date.now()}`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", path.join(root, "examples/typescript/send-and-list.ts"), "--user", user, ...flags],
    { env: { ...process.env, HERALD_URL: herald.url, HERALD_API_KEY: key }, timeout: 30_000 },
  );
  const steps = Object.fromEntries(
    stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line))
      .map((s) => [s.step, s]),
  );
  expect(steps.send).toMatchObject({ userId: user });
  expect(steps.list).toEqual({ step: "list", unread: 1, titles: ["Hello from TypeScript"] });
  const inbox = await connectClient(herald.url, key).list({ userId: user });
  expect(inbox.notifications.map((n) => n.id)).toEqual([steps.send.id]);
});
