import type { ChannelCatalog } from "../domain/channel.js";
import { NotFoundError } from "../domain/errors.js";
import type { Channel, Delivery, Notification } from "../domain/notification.js";
import type { Principal } from "../domain/principal.js";
import type { WorkflowRun } from "../domain/workflow.js";
import type { Queryable } from "../store/database.js";
import { deliveryStore } from "../store/delivery-store.js";
import { notificationLifeReads, type StoredContent } from "../store/notification-life-reads.js";
import { notificationStore } from "../store/notification-store.js";
import { workflowRunReads } from "../store/workflow-run-reads.js";
import { requireScope } from "./access.js";

/** What one channel sends for the notification. */
export interface RenderedContent {
  channel: Channel;
  subject: string;
  text: string;
  html: string;
  /** Why there is nothing to show; empty when there is. */
  error: string;
}

/** A notification's whole life, as GetNotificationLife returns it. */
export interface NotificationLife {
  notification: Notification;
  deliveries: Delivery[];
  rendered: RenderedContent[];
  workflowRuns: WorkflowRun[];
  traceId: string;
  templateKey: string;
  senderKeyId: string;
}

/**
 * GetNotificationLife, for operators with the `read` scope, within their tenant. The rendered
 * content is what each channel's sender reads: the parts the Send (or the
 * workflow's deliver step) rendered into the delivery row, from the template
 * as it was then; channels that carry the notification itself (in-app,
 * webhooks) show its title and body.
 */
export function createOperatorLife(deps: { db: Queryable; catalog: ChannelCatalog }) {
  return async function notificationLife(principal: Principal, id: string): Promise<NotificationLife> {
    requireScope(principal, "read", "read notifications");
    const tenantId = principal.tenantId;
    const [notification, origin, deliveries, contents, workflowRuns] = await Promise.all([
      notificationStore.get(deps.db, tenantId, id),
      notificationLifeReads.origin(deps.db, tenantId, id),
      deliveryStore.forNotification(deps.db, tenantId, id),
      notificationLifeReads.contents(deps.db, tenantId, id),
      workflowRunReads.ofNotification(deps.db, tenantId, id),
    ]);
    // origin reads within the caller's tenant: another tenant's id answers as an unknown one,
    // and nothing the other reads found is returned.
    if (notification === null || origin === null) throw new NotFoundError(`notification ${id} not found`);
    return {
      notification,
      deliveries,
      rendered: renderedPerChannel(notification, contents, deps.catalog),
      workflowRuns,
      traceId: origin.traceId ?? "",
      templateKey: origin.templateKey,
      senderKeyId: origin.senderKeyId ?? "",
    };
  };
}

const commonParts = new Set(["subject", "title", "text", "body", "html"]);

/** One entry per channel the notification has deliveries on (push's devices all get the same parts). */
function renderedPerChannel(n: Notification, contents: StoredContent[], catalog: ChannelCatalog): RenderedContent[] {
  const byChannel = new Map<Channel, RenderedContent>();
  for (const { channel, content } of contents) {
    if (byChannel.has(channel)) continue;
    const definition = catalog.get(channel);
    // The inbox shows the notification, and webhooks post it: their deliveries store no parts.
    const carriesNotification = (definition?.content ?? null) === null || definition?.targets.includes("inbox");
    if (content === null) {
      byChannel.set(
        channel,
        carriesNotification
          ? { channel, subject: n.title, text: n.body, html: "", error: "" }
          : { channel, subject: "", text: "", html: "", error: "no content was stored with this delivery" },
      );
      continue;
    }
    const part = (name: string) => (typeof content[name] === "string" ? (content[name] as string) : undefined);
    const others = Object.fromEntries(Object.entries(content).filter(([name]) => !commonParts.has(name)));
    byChannel.set(channel, {
      channel,
      subject: part("subject") ?? part("title") ?? "",
      // Channels whose content is neither text nor body (Slack blocks, Teams cards) show their parts as JSON.
      text: part("text") ?? part("body") ?? (Object.keys(others).length > 0 ? JSON.stringify(others) : ""),
      html: part("html") ?? "",
      error: "",
    });
  }
  return [...byChannel.values()];
}
