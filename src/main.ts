// Herald's server entry point (`node dist/src/main.js`; `herald serve` does the same).
// Tracing starts first, and the server is loaded only after it: the pg
// instrumentation hooks `require`, so pg must not be loaded before it is in.
import { tracing } from "./telemetry/instrument.js";

const { serve } = await import("./serve.js");
serve({ tracing }).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
