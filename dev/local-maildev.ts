import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port.js";
import { waitForPort } from "./local-nats.js";
import { type ManagedProcess, manageProcess } from "./managed-process.js";
import { cachedTool, type Say } from "./tool-cache.js";

/**
 * MailDev catches every email `npm start`'s Herald sends and shows it in a web
 * UI (with a REST API under /api). It is on the npm registry, so the first
 * start installs it in seconds instead of compiling a Go mail catcher. It
 * installs into the tool cache from `dev/maildev/package-lock.json`, which pins
 * every package in its tree by integrity hash, and stays out of Herald's own
 * dependencies (its tree is large, and some of it declares Node 22).
 */
const lockDir = path.resolve(import.meta.dirname, "maildev");

export function ensureMaildev(say?: Say): Promise<string> {
  const lock = readFileSync(path.join(lockDir, "package-lock.json"));
  const version = JSON.parse(readFileSync(path.join(lockDir, "package.json"), "utf8")).dependencies.maildev as string;
  return cachedTool({
    name: "maildev",
    // The lockfile's hash too: a changed tree installs beside the old one.
    version: `${version}-${createHash("sha256").update(lock).digest("hex").slice(0, 8)}`,
    executable: "node_modules/maildev/dist/bin/maildev.js",
    ...(say !== undefined && { say }),
    async install(dir, say) {
      say(`first run: installing MailDev ${version} (mail catcher) with npm, about 20 s`);
      await copyFile(path.join(lockDir, "package.json"), path.join(dir, "package.json"));
      await copyFile(path.join(lockDir, "package-lock.json"), path.join(dir, "package-lock.json"));
      // npm from the running `npm start` when there is one, else the one on PATH.
      const npm = process.env.npm_execpath;
      const args = ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"];
      await promisify(execFile)(npm ? process.execPath : "npm", npm ? [npm, ...args] : args, {
        cwd: dir,
        timeout: 10 * 60_000,
        maxBuffer: 16 * 1024 * 1024,
      });
    },
  });
}

export interface LocalMaildev {
  /** smtp://127.0.0.1:PORT?tls=off, for SMTP_URL. */
  smtpUrl: string;
  smtpPort: number;
  /** The web UI (and the REST API under /api). */
  uiUrl: string;
  uiPort: number;
  process: ManagedProcess;
}

/** MailDev on 127.0.0.1, keeping the caught mail in `dataDir`. */
export async function startLocalMaildev(options: {
  script: string;
  dataDir: string;
  smtpPort?: number;
  uiPort?: number;
}): Promise<LocalMaildev> {
  await mkdir(options.dataDir, { recursive: true });
  const smtpPort = options.smtpPort || (await freePort());
  const uiPort = options.uiPort || (await freePort());
  const args = [
    options.script,
    ...["--ip", "127.0.0.1", "--smtp", String(smtpPort)],
    ...["--web-ip", "127.0.0.1", "--web", String(uiPort)],
    ...["--mail-directory", path.resolve(options.dataDir), "--silent"],
  ];
  const child = manageProcess("MailDev", spawn(process.execPath, args, { stdio: "ignore", detached: true }));
  await Promise.race([
    Promise.all([waitForPort(smtpPort, 60_000), waitForPort(uiPort, 60_000)]),
    child.exited.then(() => Promise.reject(new Error("MailDev exited before it was ready"))),
  ]);
  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}?tls=off`,
    smtpPort,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    uiPort,
    process: child,
  };
}
