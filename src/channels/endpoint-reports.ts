import type { Logger } from "../telemetry/logger.js";
import type { Metrics } from "../telemetry/metrics.js";
import type { ChannelDeps } from "./channel-module.js";

/**
 * How the webhook channel's own bookkeeping is reported: an endpoint Herald
 * disabled (410 Gone, or failing for WEBHOOK_DISABLE_AFTER_FAILING_SECONDS)
 * is a warn log an operator can alert on and the
 * herald_webhook_endpoints_disabled_total metric; a bookkeeping failure, which
 * must not fail the delivery, is a warn log.
 */
export function endpointReports(
  metrics: Pick<Metrics, "observeEndpointDisabled">,
  logger: Pick<Logger, "warn">,
): Required<Pick<ChannelDeps, "onEndpointDisabled" | "onBookkeepingError">> {
  return {
    onEndpointDisabled: (event) => {
      metrics.observeEndpointDisabled(event.reason);
      logger.warn(
        { ...event, event: "webhook_endpoint_disabled" },
        event.reason === "gone" ? "webhook endpoint answered 410 Gone: disabled" : "webhook endpoint failing: disabled",
      );
    },
    onBookkeepingError: (err) => logger.warn({ err }, "webhook endpoint bookkeeping failed"),
  };
}
