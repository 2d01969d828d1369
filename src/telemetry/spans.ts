import { type Attributes, type Context, context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";

export { SpanKind };

const tracer = trace.getTracer("herald");

/**
 * Runs `work` in a new active span (under `parent`, or the current context),
 * recording a thrown error on the span before rethrowing it. With no SDK
 * started, the API hands out no-op spans and this costs next to nothing.
 */
export function inSpan<T>(
  name: string,
  options: { kind: SpanKind; attributes?: Attributes; parent?: Context },
  work: (setAttributes: (a: Attributes) => void) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(
    name,
    { kind: options.kind, attributes: options.attributes ?? {} },
    options.parent ?? context.active(),
    async (span) => {
      try {
        return await work((a) => span.setAttributes(a));
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
