import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { EventType } from "../../gen/ts/herald/v1/event_pb.js";
import { EventService } from "../../gen/ts/herald/v1/event_service_pb.js";
import { connectClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { runExample } from "./python-runner.js";

// The inbox-and-events examples (TypeScript, Go, Python) against a real Herald:
// seen, tabs, actions and the event stream through each public client. They are
// documentation, so each printed step is checked exactly, then the server's state.
const root = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);
let herald: TestHerald;
let adminKey: string;
// Watch, Send and List pass with `send` and `read`; MarkRead for a user needs `admin`.
let sendReadKey: string;

beforeAll(async () => {
  herald = await startHerald();
  adminKey = await herald.apiKey(["admin"]);
  sendReadKey = await herald.apiKey(["send", "read"]);
});
afterAll(() => herald?.close());

type Step = Record<string, unknown>;

const jsonLines = (stdout: string): Step[] =>
  stdout
    .trim()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Step);

/** Checks the steps every language prints (Python names the step `kind`) and the server's state after them. */
async function expectScenario(printed: Step[], user: string): Promise<void> {
  const steps = printed.map(({ kind, ...rest }) => (kind === undefined ? rest : { step: kind, ...rest }));
  const byStep = (name: string) => steps.filter((s) => s.step === name);
  const [synced] = byStep("synced");
  const [sent] = byStep("send");
  const [cursor] = byStep("cursor");
  const mention = sent?.mention as string;
  const billing = sent?.billing as string;
  expect(mention).toMatch(/^[0-9a-f-]{36}$/);
  expect(billing).toMatch(/^[0-9a-f-]{36}$/);
  expect(synced?.cursor).toEqual(expect.stringMatching(/.+/));
  expect(cursor?.cursor).toEqual(expect.stringMatching(/.+/));
  expect(cursor?.cursor).not.toBe(synced?.cursor);
  expect(steps).toEqual([
    { step: "synced", cursor: synced?.cursor },
    { step: "send", mention, billing, actions: ["approve", "open"] },
    {
      step: "tabs",
      tabs: [
        { id: "all", unread: 2, unseen: 2 },
        { id: "mentions", unread: 1, unseen: 1 },
        { id: "billing", unread: 1, unseen: 1 },
      ],
      unread: 2,
      unseen: 2,
    },
    { step: "seen", changed: 2, unseen: 0, unread: 2 },
    { step: "interact", id: mention, action: "approve", read: true, unread: 1, unseen: 0 },
    // In the log's order: both creations, the one seen-all change, then the action.
    { step: "event", type: "notification.created", notification: mention, all: false },
    { step: "event", type: "notification.created", notification: billing, all: false },
    { step: "event", type: "notification.seen", notification: "", all: true },
    { step: "event", type: "notification.interacted", notification: mention, all: false, action: "approve" },
    { step: "cursor", cursor: cursor?.cursor },
  ]);

  // What Herald kept, read back through the API rather than trusted from the output.
  const api = connectClient(herald.url, adminKey);
  const acted = (await api.getNotification({ id: mention })).notification;
  expect(acted?.userId).toBe(user);
  expect(acted?.interaction?.actionId).toBe("approve");
  expect(acted?.readTime).toBeDefined();
  expect(acted?.seenTime).toBeDefined();
  const other = (await api.getNotification({ id: billing })).notification;
  expect(other?.seenTime).toBeDefined();
  expect(other?.readTime).toBeUndefined();
  const inbox = await api.list({ userId: user });
  expect([inbox.unreadCount, inbox.unseenCount]).toEqual([1, 0]);

  // The cursors printed are real positions: resuming from `synced` replays the
  // user's four events, and the last one's cursor is the one the example printed.
  const replayed = await replayUntilSynced(synced?.cursor as string, user);
  expect(replayed.map((e) => e.type)).toEqual([
    EventType.NOTIFICATION_CREATED,
    EventType.NOTIFICATION_CREATED,
    EventType.NOTIFICATION_SEEN,
    EventType.NOTIFICATION_INTERACTED,
  ]);
  expect(replayed.at(-1)?.cursor).toBe(cursor?.cursor);
}

/** The user's events of the examples' types after `cursor`, read until the stream's `synced`. */
async function replayUntilSynced(cursor: string, user: string): Promise<Array<{ type: EventType; cursor: string }>> {
  const events = serviceClient(EventService, herald.url, adminKey);
  const types = [EventType.NOTIFICATION_CREATED, EventType.NOTIFICATION_SEEN, EventType.NOTIFICATION_INTERACTED];
  const seen: Array<{ type: EventType; cursor: string }> = [];
  for await (const r of events.watchEvents({ cursor, types }, { signal: AbortSignal.timeout(30_000) })) {
    if (r.kind.case === "synced") break;
    if (r.kind.case === "event" && r.kind.value.userId === user) seen.push(r.kind.value);
  }
  return seen;
}

/** Runs a program that should fail; returns its exit code and stderr. */
const runFailing = (file: string, args: string[], env: Record<string, string>) =>
  run(file, args, { env: { ...process.env, ...env }, timeout: 60_000 }).then(
    () => ({ code: 0, stderr: "" }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );

const uniqueUser = (language: string) => `${language}-inbox-events-${randomBytes(4).toString("hex")}`;

it("the TypeScript example marks seen, counts tabs, takes an action and follows the event stream", async () => {
  const user = uniqueUser("ts");
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", path.join(root, "examples/typescript/inbox-and-events.ts"), "--user", user],
    { env: { ...process.env, HERALD_URL: herald.url, HERALD_API_KEY: adminKey }, timeout: 60_000 },
  );
  await expectScenario(jsonLines(stdout), user);
}, 90_000);

it("the TypeScript example exits 1 naming the code when the key may not act for the user", async () => {
  const tsx = ["--import", "tsx", path.join(root, "examples/typescript/inbox-and-events.ts")];
  const failed = await runFailing(process.execPath, [...tsx, "--user", uniqueUser("ts")], {
    HERALD_URL: herald.url,
    HERALD_API_KEY: sendReadKey,
  });
  expect(failed.code).toBe(1);
  expect(failed.stderr).toContain("Herald said PermissionDenied");
}, 90_000);

it("the Go example does the same over gRPC, and exits 1 naming the code without admin", async () => {
  const tmp = await mkdtemp(path.join(os.tmpdir(), "herald-go-inboxevents-"));
  try {
    const binary = path.join(tmp, "inboxevents");
    // A cold module and build cache takes tens of seconds; a warm one about one.
    await run("go", ["build", "-o", binary, "./inboxevents"], {
      cwd: path.join(root, "examples/go"),
      timeout: 180_000,
    });
    const user = uniqueUser("go");
    const { stdout } = await run(binary, ["-user", user], {
      env: { ...process.env, HERALD_URL: herald.url, HERALD_API_KEY: adminKey },
      timeout: 60_000,
    });
    await expectScenario(jsonLines(stdout), user);

    const denied = await runFailing(binary, ["-user", uniqueUser("go")], {
      HERALD_URL: herald.url,
      HERALD_API_KEY: sendReadKey,
    });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain("Herald said PermissionDenied");
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}, 240_000);

it("the Python example does the same over gRPC, and exits 1 naming the code without admin", async () => {
  const user = uniqueUser("py");
  const env = { HERALD_TARGET: `127.0.0.1:${herald.port}`, HERALD_API_KEY: adminKey };
  const example = runExample(env, ["--user", user], path.join(root, "examples/python/inbox_events.py"));
  try {
    expect(await example.exitCode(60_000), example.output()).toBe(0);
    await expectScenario(example.lines as unknown as Step[], user);
  } finally {
    if (example.child.exitCode === null) example.child.kill("SIGKILL");
  }
  const deniedEnv = { HERALD_TARGET: `127.0.0.1:${herald.port}`, HERALD_API_KEY: sendReadKey };
  const denied = runExample(
    deniedEnv,
    ["--user", uniqueUser("py")],
    path.join(root, "examples/python/inbox_events.py"),
  );
  try {
    expect(await denied.exitCode(60_000), denied.output()).toBe(1);
    expect(denied.output()).toContain("Herald said PERMISSION_DENIED");
  } finally {
    if (denied.child.exitCode === null) denied.child.kill("SIGKILL");
  }
}, 90_000);
