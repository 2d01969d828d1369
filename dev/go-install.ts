import { execFile } from "node:child_process";
import { promisify } from "node:util";

/**
 * `go install module` into `dir`: the fallback for tools no package registry
 * ships prebuilt. Compiling takes minutes on a small machine, which is why the
 * result goes to the tool cache (tool-cache.ts) and is built once per user.
 */
export async function goInstall(dir: string, module: string): Promise<void> {
  try {
    await promisify(execFile)("go", ["install", module], {
      env: { ...process.env, GOBIN: dir },
      timeout: 20 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(`building ${module} needs Go 1.26 or newer on PATH (https://go.dev/dl/)`, { cause: error });
    }
    throw error;
  }
}
