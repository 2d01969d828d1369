import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/telemetry/logger.js";

export interface LogLine {
  level: number;
  msg?: string;
  err?: { message?: string; type?: string; code?: string };
  [key: string]: unknown;
}

/** A logger whose JSON lines are kept in memory, to check what Herald logged. */
export function capturedLogger(level = "info"): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split("\n")) if (line.trim() !== "") lines.push(JSON.parse(line) as LogLine);
      callback();
    },
  });
  return { logger: createLogger(level, sink), lines };
}

/** pino's numeric levels. */
export const logLevel = { debug: 20, info: 30, warn: 40, error: 50 } as const;
