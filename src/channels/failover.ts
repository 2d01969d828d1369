import type { Channel } from "../domain/channel.js";
import type { Deliverer, DeliveryJob } from "../domain/deliverer.js";
import { PermanentDeliveryError, type ProviderReceipt, TransientDeliveryError } from "../domain/delivery-errors.js";

/** One provider of a channel: a name operators recognise (never a secret) and its deliverer. */
export interface Provider {
  name: string;
  deliverer: Deliverer;
}

/** How providers are tried and when one is set aside (DELIVERY_PROVIDER_* variables). */
export interface FailoverPolicy {
  /** Longest one provider call may take; the next provider is tried after it. */
  timeoutMs: number;
  /** Transient failures in a row after which a provider is skipped. */
  failureThreshold: number;
  /** How long a skipped provider stays skipped before it is tried again. */
  cooldownMs: number;
  /** What happened on each call (metrics). */
  onCall?(channel: Channel, provider: string, outcome: ProviderCallOutcome): void;
  /** A provider's circuit opened (skipped from now) or closed (answered again). */
  onCircuit?(channel: Channel, provider: string, open: boolean, reason: string): void;
  now?(): number;
}

export type ProviderCallOutcome = "sent" | "transient_error" | "permanent_error" | "skipped";

/** Where a provider's circuit stands, for metrics. */
export interface CircuitState {
  channel: Channel;
  provider: string;
  open: boolean;
}

/** A channel's deliverer over its providers, and the state of their circuits. */
export interface FailoverDeliverer extends Deliverer {
  circuits(): CircuitState[];
}

interface Circuit {
  provider: Provider;
  failures: number;
  openUntil: number;
}

/**
 * Tries a channel's providers in priority order within one attempt: a transient
 * failure or a timeout of one (each call gets `timeoutMs` of its own) moves on
 * to the next; a permanent failure is a verdict on the message, so it ends the
 * attempt. Which provider accepted goes on the receipt (and the attempt).
 *
 * A circuit breaker per provider: after `failureThreshold` transient failures
 * in a row a provider is skipped for `cooldownMs`, so deliveries stop paying
 * its timeout; after the cool-down the next delivery tries it first again (its
 * priority), and one more failure skips it again. When every provider is
 * skipped they are all tried anyway: a channel never refuses to try, and one
 * provider alone behaves exactly as it would without failover. Circuits are
 * per process (each worker learns on its own, within a few deliveries).
 */
export function createFailover(
  channel: Channel,
  providers: readonly Provider[],
  policy: FailoverPolicy,
): FailoverDeliverer {
  if (providers.length === 0) throw new Error(`the ${channel} channel needs at least one provider`);
  const now = policy.now ?? Date.now;
  const circuits: Circuit[] = providers.map((provider) => ({ provider, failures: 0, openUntil: 0 }));
  const several = providers.length > 1;

  const succeeded = (c: Circuit) => {
    const wasOpen = c.failures >= policy.failureThreshold;
    c.failures = 0;
    c.openUntil = 0;
    if (wasOpen) policy.onCircuit?.(channel, c.provider.name, false, "answered again");
  };
  const failed = (c: Circuit, error: Error) => {
    c.failures += 1;
    if (c.failures >= policy.failureThreshold) {
      const opens = c.openUntil <= now();
      c.openUntil = now() + policy.cooldownMs;
      if (opens) policy.onCircuit?.(channel, c.provider.name, true, error.message);
    }
  };

  async function call(c: Circuit, job: DeliveryJob, signal: AbortSignal): Promise<ProviderReceipt> {
    const own = AbortSignal.any([signal, AbortSignal.timeout(policy.timeoutMs)]);
    try {
      const receipt = await c.provider.deliverer.deliver(job, own);
      succeeded(c);
      policy.onCall?.(channel, c.provider.name, "sent");
      return { ...receipt, provider: c.provider.name };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      // The attempt itself ended (shutdown, or its whole budget): not the provider's fault.
      if (signal.aborted) throw attribute(e, c.provider.name, several);
      if (e instanceof PermanentDeliveryError) {
        policy.onCall?.(channel, c.provider.name, "permanent_error");
        succeeded(c); // it answered: the provider works, the message does not
      } else {
        policy.onCall?.(channel, c.provider.name, "transient_error");
        failed(c, e);
      }
      throw attribute(e, c.provider.name, several);
    }
  }

  return {
    calls: providers.length,
    async deliver(job, signal) {
      const t = now();
      const closed = circuits.filter((c) => c.openUntil <= t);
      const order = closed.length > 0 ? closed : circuits;
      for (const c of circuits) if (!order.includes(c)) policy.onCall?.(channel, c.provider.name, "skipped");
      const errors: Error[] = [];
      for (const c of order) {
        try {
          return await call(c, job, signal);
        } catch (error) {
          errors.push(error as Error);
          if (error instanceof PermanentDeliveryError || signal.aborted) throw error;
        }
      }
      throw combine(errors);
    },
    close() {
      for (const c of circuits) c.provider.deliverer.close?.();
    },
    circuits: () =>
      circuits.map((c) => ({ channel, provider: c.provider.name, open: c.failures >= policy.failureThreshold })),
  };
}

/** The error as a delivery error naming its provider (in the text only when there are several to tell apart). */
function attribute(error: Error, provider: string, prefix: boolean): TransientDeliveryError | PermanentDeliveryError {
  const message = prefix ? `${provider}: ${error.message}` : error.message;
  const attributed =
    error instanceof PermanentDeliveryError
      ? new PermanentDeliveryError(message, error.reason, { cause: error.cause ?? error })
      : new TransientDeliveryError(
          // A timeout that AbortSignal.any reported as a bare DOMException.
          error.name === "TimeoutError" && !(error instanceof TransientDeliveryError)
            ? `${prefix ? `${provider}: ` : ""}timed out`
            : message,
          error instanceof TransientDeliveryError ? error.retryAfterMs : undefined,
          { cause: error.cause ?? error },
        );
  attributed.provider = provider;
  return attributed;
}

/** Every provider failed transiently: one error naming each, retried once the first of them said it would take more. */
function combine(errors: Error[]): Error {
  if (errors.length === 1) return errors[0] as Error;
  const retryAfter = errors
    .map((e) => (e instanceof TransientDeliveryError ? e.retryAfterMs : undefined))
    .filter((ms): ms is number => ms !== undefined);
  const combined = new TransientDeliveryError(
    `every provider failed: ${errors.map((e) => e.message).join("; ")}`,
    retryAfter.length > 0 ? Math.min(...retryAfter) : undefined,
  );
  combined.provider = (errors.at(-1) as TransientDeliveryError).provider;
  return combined;
}
