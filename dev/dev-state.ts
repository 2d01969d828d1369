import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { freePort } from "./free-port.js";
import { isAlive } from "./managed-process.js";

/** The servers whose ports `npm start` chooses and remembers. */
export const devServers = ["herald", "metrics", "postgres", "nats", "smtp", "mail"] as const;
export type DevServer = (typeof devServers)[number];

/** What `.herald/dev-stack.json` holds. */
interface DevState {
  /** The ports used last time, reused so URLs (an exported DATABASE_URL) keep working. */
  ports: Partial<Record<DevServer, number>>;
  /** Set while a dev stack runs: its pid and where Herald listens. */
  running?: { pid: number; url: string };
}

const file = (stateDir: string) => path.join(stateDir, "dev-stack.json");

function read(stateDir: string): DevState {
  if (!existsSync(file(stateDir))) return { ports: {} };
  try {
    return JSON.parse(readFileSync(file(stateDir), "utf8")) as DevState;
  } catch {
    return { ports: {} }; // a torn write: start over with fresh ports
  }
}

async function write(stateDir: string, state: DevState): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await writeFile(file(stateDir), `${JSON.stringify(state, null, 2)}\n`);
}

/** The dev stack running from this state folder, if one is alive. */
export function runningDevStack(stateDir: string): { pid: number; url: string } | null {
  const { running } = read(stateDir);
  return running !== undefined && running.pid !== process.pid && isAlive(running.pid) ? running : null;
}

export async function markRunning(stateDir: string, url: string): Promise<void> {
  await write(stateDir, { ...read(stateDir), running: { pid: process.pid, url } });
}

export async function markStopped(stateDir: string): Promise<void> {
  const { ports } = read(stateDir);
  await write(stateDir, { ports });
}

export interface PortChoice {
  /** From the environment: a number, or 0 for any free port (not remembered). */
  fromEnv?: string | undefined;
  /** The usual port of this kind of server, tried when none is remembered. */
  preferred?: number;
}

/**
 * Ports for this start: the environment's if set, else the one remembered
 * from the first start, else the preferred one, else any free port; the first
 * of those that is free now. The first choice is remembered.
 */
export async function choosePorts(
  stateDir: string,
  choices: Record<DevServer, PortChoice>,
  say: (line: string) => void,
): Promise<Record<DevServer, number>> {
  const state = read(stateDir);
  const chosen = {} as Record<DevServer, number>;
  for (const name of devServers) {
    const { fromEnv, preferred } = choices[name];
    if (fromEnv !== undefined && fromEnv.trim() !== "") {
      chosen[name] = Number(fromEnv) || (await freePort());
      continue;
    }
    const remembered = state.ports[name];
    const candidates = [remembered, preferred].filter((p): p is number => p !== undefined && p > 0);
    let port: number | undefined;
    for (const candidate of candidates) {
      if (!Object.values(chosen).includes(candidate) && (await isFree(candidate))) {
        port = candidate;
        break;
      }
    }
    port ??= await freePort();
    if (remembered !== undefined && port !== remembered) {
      say(`port ${remembered} (${name}, used last time) is taken now; using ${port} this time`);
    }
    chosen[name] = port;
    // A port taken for a moment does not move the server for good.
    state.ports[name] ??= port;
  }
  await write(stateDir, state);
  return chosen;
}

/** True if nothing listens on 127.0.0.1:port (nor on all interfaces). */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}
