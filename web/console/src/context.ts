import type { Client } from "@connectrpc/connect";
import type { NotificationService } from "../../../gen/ts/herald/v1/notification_service_pb.js";
import type { OperatorService, WhoAmIResponse } from "../../../gen/ts/herald/v1/operator_service_pb.js";
import type { RecipientService } from "../../../gen/ts/herald/v1/recipient_service_pb.js";
import type { TemplateService } from "../../../gen/ts/herald/v1/template_service_pb.js";
import type { WebhookService } from "../../../gen/ts/herald/v1/webhook_service_pb.js";
import type { WorkflowService } from "../../../gen/ts/herald/v1/workflow_service_pb.js";

/** The Connect-Web clients of every service the console calls, all carrying the signed-in credential. */
export interface ConsoleClients {
  notifications: Client<typeof NotificationService>;
  operator: Client<typeof OperatorService>;
  recipients: Client<typeof RecipientService>;
  templates: Client<typeof TemplateService>;
  workflows: Client<typeof WorkflowService>;
  webhooks: Client<typeof WebhookService>;
}

/** What Herald serves at `/console/config.json`: the browser-safe part of its console configuration. */
export interface ConsoleConfig {
  /** OIDC sign-in, when configured. */
  oidc: { issuer: string; clientId: string; name: string; scopes?: string } | null;
  /** CONSOLE_TRACE_URL: a URL with `{traceId}` where the tracing UI shows a trace; null when unset. */
  traceUrl: string | null;
}

export type ScopeName = "send" | "read" | "admin";

/** What every page gets: the clients, who is signed in, and navigation. */
export interface ConsoleContext {
  clients: ConsoleClients;
  who: WhoAmIResponse;
  config: ConsoleConfig;
  /** True when the signed-in caller holds `scope` (`admin` holds every scope). */
  can(scope: ScopeName): boolean;
  /** Goes to a route such as `#/notifications/<id>`. */
  navigate(hash: string): void;
  /** Shows a short status message to the user (and to screen readers, through a live region). */
  announce(message: string, kind?: "info" | "error"): void;
}

/**
 * A page of the console. The shell owns the routing (`#/<route>/<rest>`), the
 * navigation and sign-in; a page renders into the element it is given and
 * stops its timers and requests when `signal` aborts (the user navigated away).
 */
export interface ConsolePage {
  /** The route's first segment, such as `recipients` for `#/recipients/alice`. */
  route: string;
  /** The navigation label and the page's <h1>. */
  title: string;
  /** The scope needed to see the page at all. */
  scope: ScopeName;
  render(into: HTMLElement, ctx: ConsoleContext, path: string[], signal: AbortSignal): Promise<void> | void;
}
