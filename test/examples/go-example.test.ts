import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connectClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

// The Go example (examples/go) built once and run against a real Herald over
// both of its transports; it is documentation, so it must keep working.
const exampleDir = path.resolve(import.meta.dirname, "../../examples/go");
const run = promisify(execFile);
let herald: TestHerald;
let tmp: string;
let binary: string;
let sendReadKey: string;
let readKey: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "herald-go-example-"));
  binary = path.join(tmp, "herald-example");
  // A cold module and build cache takes tens of seconds; a warm one about one.
  const [started] = await Promise.all([
    startHerald(),
    run("go", ["build", "-o", binary, "."], { cwd: exampleDir, timeout: 180_000 }),
  ]);
  herald = started;
  sendReadKey = await herald.apiKey(["send", "read"]);
  readKey = await herald.apiKey(["read"]);
}, 240_000);
afterAll(async () => {
  await herald?.close();
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
});

it.each(["grpc", "connect"] as const)(
  "over %s: sends idempotently, lists the inbox and is denied with a read-only key",
  async (transport) => {
    const suffix = randomBytes(4).toString("hex");
    const user = `go-${transport}-${suffix}`;
    const idempotencyKey = `go-example-${transport}-${suffix}`;
    const { stdout } = await run(binary, ["-transport", transport, "-user", user, "-idempotency-key", idempotencyKey], {
      env: { ...process.env, HERALD_URL: herald.url, HERALD_API_KEY: sendReadKey, HERALD_READ_ONLY_KEY: readKey },
      timeout: 30_000,
    });
    const steps = Object.fromEntries(
      stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .map((step) => [step.step, step]),
    );

    expect(steps.send).toEqual({ step: "send", id: expect.any(String), transport, idempotency_key: idempotencyKey });
    const id = steps.send?.id as string;
    expect(steps.resend).toEqual({ step: "resend", id, same: true });
    expect(steps.list).toEqual({ step: "list", unread: 1, titles: ["Hello from Go"] });
    expect(steps.denied).toEqual({ step: "denied", code: "permission_denied" });

    // The server's own view: the retry and the denied Send created nothing more.
    const inbox = await connectClient(herald.url, readKey).list({ userId: user });
    expect(inbox.notifications.map((n) => [n.id, n.category, n.title])).toEqual([[id, "example.go", "Hello from Go"]]);
    expect(inbox.unreadCount).toBe(1);
  },
  60_000,
);
