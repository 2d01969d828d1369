import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, expect, it } from "vitest";
import { freePort } from "../../dev/free-port.js";
import { waitFor } from "../helpers/wait.js";

// `npm start` as a developer runs it, in a state folder of its own. Each start
// takes a few seconds (Postgres, nats-server, MailDev, Herald); budgets are
// for a busy machine.
const root = path.resolve(import.meta.dirname, "../..");
const stateDir = mkdtempSync(path.join(os.tmpdir(), "herald-dev-"));
chmodSync(stateDir, 0o755); // as root, Postgres runs as the postgres user and must reach its data
const started: DevStack[] = [];
afterEach(() => {
  for (const s of started.splice(0)) {
    try {
      process.kill(-(s.npm.pid as number), "SIGKILL");
    } catch {
      // the group is gone already
    }
  }
});
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

/** Processes whose command line names the state folder: Postgres, nats-server, MailDev, the orphan guard. */
const leftovers = () => {
  try {
    return execFileSync("pgrep", ["-f", stateDir]).toString().trim();
  } catch {
    return "";
  }
};

interface DevStack {
  npm: ChildProcess;
  output(): string;
  exited: Promise<string>;
  /** The pid the welcome text says to signal (the dev stack's own process). */
  pid(): number;
}

function npmStart(): DevStack {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), HERALD_DEV_STATE_DIR: stateDir };
  for (const name of ["DATABASE_URL", "NATS_URL", "SMTP_URL"]) delete env[name];
  // Herald's and the metrics port: any free one, so no other Herald on this
  // machine (a benchmark, a developer's npm start) races this test for 8080 or 9464.
  env.PORT = "0";
  env.METRICS_PORT = "0";
  // Its own process group, like a terminal's foreground job.
  const npm = spawn("npm", ["start", "--silent"], {
    cwd: root,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  npm.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  npm.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<string>((resolve) => npm.once("exit", (code, signal) => resolve(signal ?? String(code))));
  const stack = {
    npm,
    output: () => out,
    exited,
    pid: () => Number(/kill -TERM (\d+)/.exec(out)?.[1]),
  };
  started.push(stack);
  return stack;
}

/** Waits for the welcome text; fails at once, with what it printed, if npm start exits first. */
const ready = (s: DevStack) => {
  const exitedEarly = s.exited.then((how) => {
    throw new Error(`npm start exited (${how}) before Herald was running:\n${s.output()}`);
  });
  exitedEarly.catch(() => undefined); // its later, expected exit is no error
  const running = waitFor(() => s.output().includes("Press Ctrl-C"), 180_000, "Herald is running").catch(
    (error: unknown) => {
      throw new Error(`${(error as Error).message}; npm start printed:\n${s.output()}`);
    },
  );
  return Promise.race([running, exitedEarly]);
};
const stoppedAll = async (s: DevStack) => {
  await waitFor(() => leftovers() === "", 30_000, "Postgres, nats-server, MailDev and the guard to exit");
  // The stack says what it stopped once all of it has exited: after Herald's own
  // shutdown, which on a busy machine can take several seconds with its servers gone.
  await waitFor(
    () => /stopped Herald, .*Postgres \(pid \d+/.test(s.output()),
    30_000,
    `the list of what stopped in:\n${s.output().slice(-1500)}`,
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}\n${s.output().slice(-1500)}`);
  });
};

it("`npm start` serves a first call that works as printed, remembers its ports, and kill -TERM <npm pid> stops everything", async () => {
  // Ports a previous start chose, as .herald/dev-stack.json remembers them.
  const ports = { postgres: await freePort(), nats: await freePort(), smtp: await freePort(), mail: await freePort() };
  writeFileSync(path.join(stateDir, "dev-stack.json"), JSON.stringify({ ports }));

  const dev = npmStart();
  await ready(dev);
  const out = dev.output();
  expect(out).toContain(`export DATABASE_URL='postgres://postgres:herald@127.0.0.1:${ports.postgres}/postgres'`);
  expect(out).toContain(`NATS:     nats://127.0.0.1:${ports.nats}`);

  // The printed commands, pasted into a shell outside the checkout.
  const elsewhere = os.tmpdir();
  const send = /(npx --yes @bufbuild\/buf@\S+ curl(?:[^\n]*\\\n)*[^\n]*)/.exec(out)?.[1];
  expect(send, out).toBeDefined();
  const sent = execFileSync("bash", ["-c", send as string], { cwd: elsewhere, encoding: "utf8", timeout: 120_000 });
  expect(JSON.parse(sent).notifications[0]).toMatchObject({ userId: "demo-user", title: "Hello from Herald" });
  const list = /(curl -s(?:[^\n]*\\\n)*[^\n]*)/.exec(out)?.[1] as string;
  const listed = JSON.parse(execFileSync("bash", ["-c", list], { cwd: elsewhere, encoding: "utf8", timeout: 30_000 }));
  expect(listed.unreadCount).toBe(1);
  // The demo user has an email address, and MailDev caught the email.
  const inbox = await waitFor(
    async () => {
      const res = await fetch(`http://127.0.0.1:${ports.mail}/api/email`);
      const mails = (await res.json()) as Array<{ subject: string; to: Array<{ address: string }> }>;
      return mails.length > 0 && mails;
    },
    30_000,
    "the email in MailDev",
  );
  expect(inbox[0]).toMatchObject({ subject: "Hello from Herald", to: [{ address: "demo-user@example.com" }] });
  // MailDev itself would answer any website's script (CORS for every origin);
  // npm start's port in front of it answers only its own pages.
  const fromElsewhere = await fetch(`http://127.0.0.1:${ports.mail}/api/email`, {
    headers: { Origin: "http://evil.example" },
  });
  expect(fromElsewhere.status).toBe(403);
  expect(fromElsewhere.headers.get("access-control-allow-origin")).toBeNull();
  const ui = await fetch(`http://127.0.0.1:${ports.mail}/`, { headers: { Accept: "text/html" } });
  expect(await ui.text()).toContain("<html");

  // The command line, as printed: the bootstrap key, and a token for the running server.
  const block = /The command line, from any terminal.*\n((?: {2}\S.*\n)+)/.exec(out)?.[1] ?? "";
  const lines = block.trim().split(/\n\s*/);
  const exports = lines.filter((l) => l.startsWith("export ")).join(" && ");
  const keysLine = lines.find((l) => l.endsWith("keys list")) as string;
  const tokenLine = lines.find((l) => l.endsWith("token alice")) as string;
  expect(exports, out).toContain(`HERALD_DEV_STATE_DIR='${stateDir}'`);
  const shell = (line: string) =>
    execFileSync("bash", ["-c", `${exports} && ${line}`], { cwd: elsewhere, encoding: "utf8", timeout: 60_000 });
  const keys = shell(keysLine);
  const token = shell(tokenLine).trim();
  expect(keys).toMatch(/\tbootstrap\tsend,read,admin,super_admin\tactive\t/);
  const base = /Herald is running at (\S+)/.exec(out)?.[1] as string;
  const asAlice = await fetch(`${base}/herald.v1.NotificationService/List`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: "{}",
  });
  expect(asAlice.status).toBe(200);

  // Browser notifications in the demo: the checkout's kept VAPID key, and the service worker the inbox registers.
  const kept = JSON.parse(readFileSync(path.join(stateDir, "dev-secrets.json"), "utf8")) as { vapidPublicKey: string };
  const pushKey = await fetch(`${base}/herald.v1.RecipientService/GetWebPushKey`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: "{}",
  });
  expect(await pushKey.json()).toEqual({ publicKey: kept.vapidPublicKey });
  expect(await (await fetch(`${base}/`)).text()).toContain('push-worker="/herald-push-sw.js"');
  const worker = await fetch(`${base}/herald-push-sw.js`);
  expect(worker.headers.get("content-type")).toContain("text/javascript");
  expect(await worker.text()).toContain('addEventListener("push"');

  // The operator console, at the printed address.
  const consoleUrl = /Console: {2}(\S+)/.exec(out)?.[1];
  expect(consoleUrl, out).toBe(`${base}/console`);
  const shellPage = await fetch(consoleUrl as string);
  expect(shellPage.status).toBe(200);
  expect(await shellPage.text()).toContain('src="/console/app.js"');
  const bundle = await fetch(`${base}/console/app.js`);
  expect(bundle.status).toBe(200);
  expect(bundle.headers.get("content-type")).toContain("text/javascript");

  // A second start finds this one and says how to stop it.
  const second = npmStart();
  expect(await second.exited).toBe("1");
  expect(second.output()).toContain(`Herald is already running on http://127.0.0.1:`);
  expect(second.output()).toContain(`kill -TERM ${dev.pid()}`);

  // What an IDE's stop button or a process manager does: SIGTERM to npm alone.
  process.kill(dev.npm.pid as number, "SIGTERM");
  expect(["0", "SIGTERM", "143"]).toContain(await dev.exited);
  await stoppedAll(dev);
  expect(dev.output()).toMatch(/"msg":"herald stopped: /);
  expect(dev.output()).not.toMatch(/shutdown failed|deadline passed/);
}, 400_000);

it("when npm is killed hard the stack stops itself; when the stack is killed hard the guard stops its servers; a stale lock is cleared", async () => {
  const killNpm = npmStart();
  await ready(killNpm);
  const postmasterPid = readFileSync(path.join(stateDir, "postgres/data/postmaster.pid"), "utf8");
  process.kill(killNpm.npm.pid as number, "SIGKILL");
  await stoppedAll(killNpm);
  expect(killNpm.output()).toContain("the process that started this one is gone");

  const killStack = npmStart();
  await ready(killStack);
  process.kill(killStack.pid(), "SIGKILL");
  await waitFor(() => leftovers() === "", 30_000, "the guard to stop Postgres, nats-server and MailDev");

  // Postgres killed hard leaves its lock behind, naming a pid that no longer runs.
  writeFileSync(path.join(stateDir, "postgres/data/postmaster.pid"), postmasterPid);
  const again = npmStart();
  await ready(again);
  expect(again.output()).toContain("removed the stale postmaster.pid");
  // Ctrl-C in a terminal: SIGINT to the whole foreground process group.
  process.kill(-(again.npm.pid as number), "SIGINT");
  await again.exited;
  await stoppedAll(again);
}, 600_000);
