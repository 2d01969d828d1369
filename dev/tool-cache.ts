import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/**
 * Where downloaded and built tools live: `${XDG_CACHE_HOME:-~/.cache}/herald/tools`,
 * one folder per tool and version, shared by every checkout of this user, so a
 * second clone starts without installing anything.
 */
export function toolCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME?.trim() || path.join(os.homedir(), ".cache");
  return path.join(base, "herald", "tools");
}

/** Writes one line to stderr, prefixed so it reads apart from Herald's own JSON logs. */
export type Say = (line: string) => void;
export const sayOnStderr: Say = (line) => process.stderr.write(`[herald tools] ${line}\n`);

export interface CachedToolOptions {
  /** Folder name in the cache, and what the progress lines call it ("nats-server"). */
  name: string;
  /** Version, or anything that changes when what is installed changes. */
  version: string;
  /** The executable's path inside the tool's folder. */
  executable: string;
  /**
   * Installs into `dir` (an empty staging folder, renamed into place once this
   * resolves). Says first what it does and how long that usually takes.
   */
  install(dir: string, say: Say): Promise<void>;
  say?: Say;
}

/**
 * The path of a cached tool, installed on first use. Installation goes to a
 * staging folder that is renamed into place at the end, so an interrupted
 * install leaves nothing half-done behind, and two processes installing at
 * once (two clones, or `npm start` beside `npm test`) both end up with one
 * complete copy.
 */
export async function cachedTool(options: CachedToolOptions): Promise<string> {
  const dir = path.join(toolCacheDir(), `${options.name}-${options.version}`);
  const executable = path.join(dir, options.executable);
  if (existsSync(executable)) return executable;

  const say = options.say ?? sayOnStderr;
  await mkdir(path.dirname(dir), { recursive: true });
  const staging = await mkdtemp(`${dir}.partial-`);
  await chmod(staging, 0o755);
  const progress = startProgress(`${options.name} ${options.version}`, say);
  try {
    await options.install(staging, say);
    if (!existsSync(path.join(staging, options.executable))) {
      throw new Error(`installing ${options.name} left no ${options.executable}`);
    }
    await rename(staging, dir).catch((error: unknown) => {
      // Another process finished the same install first: keep its copy.
      if (!existsSync(executable)) throw error;
    });
    progress.done(dir);
  } catch (error) {
    progress.failed();
    throw error;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return executable;
}

/**
 * A line every 15 seconds while something slow runs, so a first start that
 * compiles or downloads never looks hung.
 */
function startProgress(what: string, say: Say) {
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 1000);
  const timer = setInterval(() => say(`still installing ${what} (${seconds()} s so far)...`), 15_000);
  timer.unref();
  return {
    done(dir: string) {
      clearInterval(timer);
      say(`${what} ready in ${seconds()} s (cached in ${dir})`);
    },
    failed() {
      clearInterval(timer);
    },
  };
}
