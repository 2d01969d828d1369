import { type Context, context, propagation } from "@opentelemetry/api";

/** W3C trace context as text (`traceparent`, and `tracestate` when there is one). */
export type TraceHeaders = Record<string, string>;

/** The current (or given) context as W3C headers; empty when nothing is traced. */
export function traceHeaders(ctx: Context = context.active()): TraceHeaders {
  const carrier: TraceHeaders = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** The context W3C headers carry (read through `get`), under the current one. */
export function contextFrom(get: (name: string) => string | undefined): Context {
  return propagation.extract(
    context.active(),
    {},
    {
      get: (_carrier, key) => get(key) || undefined,
      keys: () => ["traceparent", "tracestate"],
    },
  );
}
