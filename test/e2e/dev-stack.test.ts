import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { waitFor } from "../helpers/wait.js";

const root = path.resolve(import.meta.dirname, "../..");
const stateDir = mkdtempSync(path.join(os.tmpdir(), "herald-dev-"));
chmodSync(stateDir, 0o755);
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

const running = () => {
  try {
    return execFileSync("pgrep", ["-f", stateDir]).toString().trim();
  } catch {
    return "";
  }
};

it("`npm start` brings up Postgres, NATS, Mailpit and Herald, prints a working first call, and Ctrl-C stops all of it", async () => {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    HERALD_DEV_STATE_DIR: stateDir,
    PORT: "0",
    HERALD_DEV_NATS_PORT: "0",
  };
  delete env.DATABASE_URL;
  delete env.NATS_URL;
  // Its own process group, like a terminal's foreground job, so Ctrl-C reaches every process.
  const child = spawn("npm", ["start", "--silent"], {
    cwd: root,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<string>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ?? String(code))),
  );
  try {
    await waitFor(() => out.includes("Press Ctrl-C"), 90_000, "the welcome text");
    const command = /(npx buf curl(?:[^\n]*\\\n)*[^\n]*)/.exec(out)?.[1];
    expect(command, out).toBeDefined();
    const sent = execFileSync("bash", ["-c", command as string], { cwd: root, encoding: "utf8", timeout: 30_000 });
    expect(JSON.parse(sent).notifications[0]).toMatchObject({ userId: "demo-user", title: "Hello from Herald" });
    const list = /(curl -s(?:[^\n]*\\\n)*[^\n]*)/.exec(out)?.[1] as string;
    const listed = JSON.parse(execFileSync("bash", ["-c", list], { encoding: "utf8", timeout: 10_000 }));
    expect(listed.unreadCount).toBe(1);
    // The demo user has an email address, and Mailpit caught the email.
    const mailpit = /Email: +(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] as string;
    const inbox = await waitFor(
      async () => {
        const res = (await (await fetch(`${mailpit}/api/v1/messages`)).json()) as {
          messages: Array<{ Subject: string; To: Array<{ Address: string }> }>;
        };
        return res.messages.length > 0 && res.messages;
      },
      15_000,
      "the email in Mailpit",
    );
    expect(inbox[0]).toMatchObject({ Subject: "Hello from Herald", To: [{ Address: "demo-user@example.com" }] });
  } finally {
    process.kill(-(child.pid as number), "SIGINT");
  }
  // npm re-raises the SIGINT its script received once the script is done.
  expect(["0", "SIGINT"]).toContain(await exited);
  await waitFor(() => running() === "", 10_000, "Postgres, nats-server and Mailpit to exit");
  expect(out).toContain('"msg":"shutting down"');
  expect(out).not.toMatch(/shutdown failed|deadline passed/);
}, 180_000);
