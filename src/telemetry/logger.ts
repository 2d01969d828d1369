import { trace } from "@opentelemetry/api";
import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";

export type { Logger };

/**
 * JSON logs on stdout, each line with the trace and span it belongs to. Herald
 * logs ids, never message bodies, email addresses or phone numbers; as a second
 * line of defence such fields are redacted unless debug logging is asked for.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const verbose = level === "debug" || level === "trace";
  const options: LoggerOptions = {
    level,
    base: { service: "herald" },
    mixin() {
      const span = trace.getActiveSpan()?.spanContext();
      return span === undefined ? {} : { trace_id: span.traceId, span_id: span.spanId };
    },
    ...(!verbose && {
      redact: {
        paths: ["email", "phone", "body", "to", "*.email", "*.phone", "*.body", "*.to"],
        censor: "[redacted]",
      },
    }),
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
