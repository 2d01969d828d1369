import { type Logger, pino } from "pino";

export type { Logger };

/** JSON logs on stdout. Nothing that identifies a person beyond user ids is logged. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: "herald" } });
}
