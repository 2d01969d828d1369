import path from "node:path";
import { ensureMaildev, startLocalMaildev } from "./local-maildev.js";
import { startLocalNats } from "./local-nats.js";
import { startLocalPostgres } from "./local-postgres.js";
import { startMailProxy } from "./mail-proxy.js";
import { type ManagedProcess, managePid } from "./managed-process.js";
import { ensureNatsServer } from "./nats-server-binary.js";
import type { OrphanGuard } from "./orphan-guard.js";

export interface DevServersOptions {
  /** Where each server keeps its data (`.herald` or HERALD_DEV_STATE_DIR). */
  stateDir: string;
  ports: { postgres: number; nats: number; smtp: number; mail: number };
  /** Which servers to start: those whose URL the environment does not give. */
  want: { postgres: boolean; nats: boolean; mail: boolean };
  guard: OrphanGuard;
  say: (line: string) => void;
}

export interface DevServers {
  databaseUrl?: string;
  natsUrl?: string;
  smtpUrl?: string;
  /** MailDev's web UI. */
  mailUrl?: string;
  /** Stops every server started here, at once; returns one line per server stopped. */
  stop(): Promise<string[]>;
}

interface Started {
  process: ManagedProcess;
  /** The signal that stops it quickly but cleanly (Postgres: SIGINT, its "fast" shutdown). */
  signal: NodeJS.Signals;
  what: string;
}

/**
 * Starts Postgres, nats-server and MailDev side by side (first run: their
 * installs too), each on 127.0.0.1 and registered with the orphan guard. If
 * one fails, the others are stopped before the error is passed on.
 */
export async function startDevServers(options: DevServersOptions): Promise<DevServers> {
  const { stateDir, ports, want, guard, say } = options;
  const servers: DevServers = { stop: async () => [] };
  const started: Started[] = [];
  const track = (s: Started) => {
    started.push(s);
    guard.watch(s.process, s.signal);
  };

  const postgres = async () => {
    const dataDir = path.join(stateDir, "postgres", "data");
    say(`starting Postgres (${dataDir}) on port ${ports.postgres}...`);
    const pg = await startLocalPostgres({ dataDir, port: ports.postgres, say, detached: true });
    if (pg.pid !== null) {
      const managed = managePid("Postgres", pg.pid);
      track({ process: { ...managed, stop: () => pg.stop() }, signal: "SIGINT", what: `port ${pg.port}` });
    }
    servers.databaseUrl = pg.url();
  };
  const nats = async () => {
    const bin = await ensureNatsServer(say);
    const storeDir = path.join(stateDir, "nats");
    say(`starting nats-server with JetStream (${storeDir}) on port ${ports.nats}...`);
    const server = await startLocalNats({ bin, storeDir, port: ports.nats, detached: true });
    const pid = server.pid() as number;
    const managed = managePid("nats-server", pid, server.exited());
    track({ process: managed, signal: "SIGTERM", what: `port ${server.port}` });
    servers.natsUrl = server.url;
  };
  const mail = async () => {
    const script = await ensureMaildev(say);
    const dataDir = path.join(stateDir, "maildev");
    say(`starting MailDev, which catches every email (${dataDir}), web UI on port ${ports.mail}...`);
    // MailDev's own web port is internal; the proxy on the chosen port is what a browser sees.
    const server = await startLocalMaildev({ script, dataDir, smtpPort: ports.smtp });
    track({ process: server.process, signal: "SIGTERM", what: `SMTP port ${server.smtpPort}, web ${ports.mail}` });
    const proxy = await startMailProxy({ port: ports.mail, target: server.uiPort });
    closeProxy = () =>
      new Promise((resolve) => {
        proxy.close(() => resolve());
        proxy.closeAllConnections(); // an open browser tab keeps its connections alive
      });
    servers.smtpUrl = server.smtpUrl;
    servers.mailUrl = `http://127.0.0.1:${ports.mail}`;
  };

  let closeProxy: () => Promise<void> = async () => undefined;
  const stop = async () => {
    await closeProxy();
    const lines = await Promise.all(
      started.map(async ({ process: p, signal, what }) => {
        await p.stop(signal);
        return `${p.name} (pid ${p.pid}, ${what})`;
      }),
    );
    started.length = 0;
    return lines;
  };
  const results = await Promise.allSettled([
    want.postgres ? postgres() : null,
    want.nats ? nats() : null,
    want.mail ? mail() : null,
  ]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed !== undefined) {
    await stop();
    throw failed.reason;
  }
  servers.stop = stop;
  return servers;
}
