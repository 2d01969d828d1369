import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { waitFor } from "../helpers/wait.js";

const root = path.resolve(import.meta.dirname, "../..");
const python = path.join(root, ".herald/venv/bin/python");

/** One JSON line the example printed. */
export type Line = {
  kind: string;
  cursor?: string;
  id?: string;
  title?: string;
  code?: string;
  reason?: string;
  tags?: string[];
};

export interface RunningExample {
  child: ChildProcess;
  /** The JSON lines printed so far (the human lines are skipped). */
  lines: Line[];
  ofKind(kind: string): Line[];
  /** Waits until `check` holds; fails early, with the output, if the example exited. */
  until(what: string, check: () => boolean, timeoutMs: number): Promise<void>;
  /** The exit code, or "still running" after `timeoutMs`. */
  exitCode(timeoutMs: number): Promise<number | null | "still running">;
  output(): string;
}

/** Runs the Python `script` (an examples/python file) with the venv `npm run setup` made. */
export function runExample(env: Record<string, string>, args: string[], script: string): RunningExample {
  const child = spawn(python, [script, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Line[] = [];
  let output = "";
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    output += `${line}\n`;
    if (line.startsWith("{")) lines.push(JSON.parse(line) as Line);
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  return {
    child,
    lines,
    ofKind: (kind) => lines.filter((l) => l.kind === kind),
    async until(what, check, timeoutMs) {
      await waitFor(
        () => check() || (exitCode !== undefined ? Promise.reject(new Error(`example exited:\n${output}`)) : false),
        timeoutMs,
        `${what}; output so far:\n${output}`,
      );
    },
    exitCode: (timeoutMs) =>
      Promise.race([exited, new Promise<"still running">((r) => setTimeout(r, timeoutMs, "still running").unref())]),
    output: () => output,
  };
}
