// `npm start`: the whole stack on this machine (see dev/dev-stack.ts). npm runs
// it with `exec`, so the signals npm passes on (SIGINT, SIGTERM) reach this
// process rather than a shell in between. Tracing (when OTEL_* variables ask
// for it) starts before the server is loaded.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { tracing } from "../src/telemetry/instrument.js";

const { startDevStack, DevStackError } = await import("../dev/dev-stack.js");
startDevStack(path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."), tracing).catch((err: unknown) => {
  if (err instanceof DevStackError) console.error(`[herald dev] ${err.message}`);
  else console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
