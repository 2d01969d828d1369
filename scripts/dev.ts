// `npm start`: the whole stack on this machine (see dev/dev-stack.ts).
// Tracing (when OTEL_* variables ask for it) starts before the server is loaded.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { tracing } from "../src/telemetry/instrument.js";

const { startDevStack } = await import("../dev/dev-stack.js");
startDevStack(path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."), tracing).catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
