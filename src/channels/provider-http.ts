import { TransientDeliveryError } from "../domain/delivery-errors.js";

/** Small pieces every HTTP provider sender (Twilio, FCM, webhooks) reads answers with. */

/** Retry-After in ms from `now`: delay-seconds or an HTTP-date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP-date always names its weekday or month; Date.parse alone would take "-5" as a year.
  if (!/[A-Za-z]/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The caller's signal and a timeout, whichever fires first. */
export function withTimeout(signal: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

/** What went wrong below HTTP, without fetch's generic "fetch failed". */
export function describeFailure(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; cause?: { code?: string } } | undefined;
  if (e?.name === "TimeoutError") return `no answer within ${timeoutMs} ms`;
  if (e?.name === "AbortError") return "aborted by the caller";
  return e?.cause?.code ?? (error instanceof Error ? error.message : String(error));
}

/** A provider's JSON body, or undefined when it is not JSON (a proxy's HTML error page). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A provider's answer, its body read whole. */
export type ProviderAnswer = { status: number; headers: Headers; text: string };

/** One HTTP POST; network failures, timeouts and aborts become TransientDeliveryError. */
export async function postToProvider(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { signal?: AbortSignal; timeoutMs: number; what: string },
): Promise<ProviderAnswer> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { ...headers, accept: "application/json" },
      body,
      // Provider APIs do not redirect these endpoints; following one would turn the POST into a GET.
      redirect: "manual",
      signal: withTimeout(options.signal, options.timeoutMs),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  } catch (error) {
    throw new TransientDeliveryError(
      `${options.what} failed: ${describeFailure(error, options.timeoutMs)}`,
      undefined,
      {
        cause: error,
      },
    );
  }
}
