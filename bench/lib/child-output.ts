import type { ChildProcess } from "node:child_process";

/**
 * Keeps the last `chunks` chunks a server process printed on stdout and
 * stderr (its startup errors, warnings at LOG_LEVEL=warn); returns a function
 * that gives them as one string.
 */
export function keepRecentOutput(child: ChildProcess, chunks = 200): () => string {
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > chunks) output.shift();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return () => output.join("");
}
