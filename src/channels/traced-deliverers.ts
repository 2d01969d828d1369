import type { Deliverer, Deliverers } from "../domain/deliverer.js";
import { inSpan, SpanKind } from "../telemetry/spans.js";

/** Each attempt's provider call(s) in a client span of its own (`email send`...), with the provider and its message id. */
export function tracedDeliverers(deliverers: Deliverers): Deliverers {
  return Object.fromEntries(
    Object.entries(deliverers).map(([channel, d]) => [
      channel,
      {
        deliver: (job, signal) =>
          inSpan(
            `${channel} send`,
            { kind: SpanKind.CLIENT, attributes: { "herald.channel": channel, "herald.delivery.id": job.delivery.id } },
            async (setAttributes) => {
              const receipt = await (d as Deliverer).deliver(job, signal);
              setAttributes({
                "herald.provider.message_id": receipt.providerMessageId,
                ...(receipt.provider !== undefined && { "herald.provider": receipt.provider }),
              });
              return receipt;
            },
          ),
        close: () => d?.close?.(),
        ...(d?.calls !== undefined && { calls: d.calls }),
        ...(d?.admit !== undefined && { admit: d.admit.bind(d) }),
      } satisfies Deliverer,
    ]),
  );
}
