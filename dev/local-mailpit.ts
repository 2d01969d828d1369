import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { freePort } from "./free-port.js";
import { goInstall } from "./go-install.js";
import { waitForPort } from "./local-nats.js";
import { cachedTool } from "./tool-cache.js";

/**
 * Mailpit, a real SMTP server with a web UI that catches every email; the
 * benchmarks measure email throughput against it. No package registry ships it
 * prebuilt, so it is compiled once into the tool cache.
 */
export const mailpitModule = "github.com/axllent/mailpit@v1.27.11";

export function ensureMailpit(): Promise<string> {
  return cachedTool({
    name: "mailpit",
    version: mailpitModule.split("@")[1] as string,
    executable: "mailpit",
    async install(dir, say) {
      say(`first run: compiling Mailpit with go install (${mailpitModule}), about 5 min`);
      await goInstall(dir, mailpitModule);
    },
  });
}

export interface LocalMailpit {
  /** smtp://127.0.0.1:PORT, for SMTP_URL. */
  smtpUrl: string;
  /** The web UI. */
  uiUrl: string;
  stop(): Promise<void>;
}

/** Mailpit on 127.0.0.1 for `npm start`, keeping mail in `dataDir`. */
export async function startLocalMailpit(options: {
  bin: string;
  dataDir: string;
  uiPort?: number;
}): Promise<LocalMailpit> {
  await mkdir(options.dataDir, { recursive: true });
  const smtpPort = await freePort();
  const uiPort = options.uiPort || (await freePort());
  const child = spawn(
    options.bin,
    [
      "--smtp",
      `127.0.0.1:${smtpPort}`,
      "--listen",
      `127.0.0.1:${uiPort}`,
      "--database",
      path.join(options.dataDir, "mailpit.db"),
      "--smtp-auth-accept-any",
      "--smtp-auth-allow-insecure",
      "--smtp-disable-rdns",
      "--disable-version-check",
      "--quiet",
    ],
    { stdio: "ignore" },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await Promise.race([
    Promise.all([waitForPort(smtpPort, 15_000), waitForPort(uiPort, 15_000)]),
    exited.then(() => Promise.reject(new Error("mailpit exited before it was ready"))),
  ]);
  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}?tls=off`,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await exited;
    },
  };
}
