import type { EnvReader } from "./env.js";

/** The operator console at `/console` (README "Operator console"). */
export interface ConsoleSettings {
  /** CONSOLE_ENABLED: serve the console on the API port. */
  enabled: boolean;
  /** CONSOLE_TRACE_URL: where a trace id links to, with `{traceId}` in it; null when unset. */
  traceUrl: string | null;
}

export function readConsole(env: EnvReader): ConsoleSettings {
  const enabled = env.bool("CONSOLE_ENABLED", false);
  const traceUrl = env.url("CONSOLE_TRACE_URL", ["http:", "https:"]);
  if (traceUrl !== null && !traceUrl.includes("{traceId}")) {
    env.problems.push(`CONSOLE_TRACE_URL must contain {traceId} where the trace id goes, got "${traceUrl}"`);
  }
  return { enabled, traceUrl };
}
