import { PermanentDeliveryError } from "../domain/delivery-errors.js";
import type { NotificationContent } from "../domain/notification.js";
import { channelModule, type Egress } from "./channel-module.js";
import { checkWebhookUrl } from "./network-guard.js";
import { createSlackSender, type SlackMessage } from "./slack-sender.js";

/** The Slack section: SLACK_BOT_TOKEN turns Slack on; SLACK_ENABLED=true alone, for incoming webhooks only. */
export interface SlackSettings {
  /** Web API base (SLACK_API_URL), ending in `/`. */
  apiUrl: string;
  /** For chat.postMessage to members; null: incoming webhooks only. Never logged. */
  botToken: string | null;
}

/** A member id: U... (or W... on Enterprise Grid), not a channel (C, D, G) or bot (B) id. */
const MEMBER_ID = /^[UW][A-Z0-9]{6,20}$/;
/** An incoming webhook's path: /services/<workspace>/<bot>/<secret>. */
const WEBHOOK_PATH = /^\/services\/[A-Za-z0-9]+\/[A-Za-z0-9]+\/[A-Za-z0-9]+$/;
/** Slack truncates a message's text beyond 40,000 characters; Herald refuses to render more. */
const MAX_TEXT = 40_000;
/** Block Kit: a message holds at most 50 blocks. */
const MAX_BLOCKS = 50;

/**
 * Slack's escaping for text it formats: &, < and > are control characters
 * (links, mentions such as `<!channel>`), written as HTML entities; nothing else is.
 */
export const escapeMrkdwn = (text: string) =>
  text.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c] as string);

/** A Send without a template: the title in bold, the body, the action URL as a link. */
function fromDraft(n: NotificationContent): Record<string, string> {
  // The URL is escaped like text (Slack decodes it); `|` would end it early, so it is percent-encoded.
  const link = n.actionUrl === "" ? "" : `\n<${escapeMrkdwn(n.actionUrl).replaceAll("|", "%7C")}>`;
  return { text: `*${escapeMrkdwn(n.title)}*\n${escapeMrkdwn(n.body)}${link}` };
}

/** Refuses blocks Slack would refuse for their shape or number (its other checks answer invalid_blocks). */
function checkBlocks(value: unknown): string | null {
  if (!Array.isArray(value)) return "must be a JSON array of Block Kit blocks";
  if (value.length > MAX_BLOCKS) return `has ${value.length} blocks; Slack allows at most ${MAX_BLOCKS} in a message`;
  const bad = value.findIndex(
    (b) => b === null || typeof b !== "object" || Array.isArray(b) || typeof b.type !== "string",
  );
  return bad === -1 ? null : `block ${bad} must be an object with a "type"`;
}

/**
 * An incoming webhook URL: https://hooks.slack.com/services/... and nothing
 * else (it is a credential Slack issues, and Herald posts only to Slack). With
 * WEBHOOK_ALLOW_PRIVATE_NETWORKS (development, tests) any host the webhook
 * guard accepts, plain http and loopback included, with the same path shape.
 */
function checkSlackWebhookUrl(url: string, egress: Egress): string | null {
  const problem = checkWebhookUrl(url, egress);
  if (problem !== null) return problem;
  const parsed = new URL(url);
  const shape = "must be a Slack incoming webhook URL, https://hooks.slack.com/services/T.../B.../...";
  if (!WEBHOOK_PATH.test(parsed.pathname) || parsed.search !== "" || parsed.hash !== "") return shape;
  if (egress.allowPrivateNetworks) return null;
  return parsed.protocol === "https:" && parsed.hostname === "hooks.slack.com" && parsed.port === "" ? null : shape;
}

/**
 * Slack: to a recipient's member id through the Web API's chat.postMessage
 * with the bot token (Slack opens the DM), and to incoming webhooks registered
 * as endpoints for channel `slack` (no token needed: the URL is the
 * credential). An incoming webhook Slack says is gone (removed, its channel
 * archived or deleted, its token revoked) is disabled.
 */
export const slackChannel = channelModule<SlackSettings>({
  id: "slack",
  label: "Slack",
  targets: ["address", "endpoints"],
  content: {
    parts: {
      text: { maxChars: MAX_TEXT, escapeData: escapeMrkdwn },
      blocks: { maxChars: 100_000, optional: true, escapeData: escapeMrkdwn, json: { check: checkBlocks } },
    },
    fromDraft,
  },
  checkAddress: (address) => (MEMBER_ID.test(address) ? null : "must be a Slack member id such as U0123ABCD"),
  checkEndpointUrl: checkSlackWebhookUrl,
  readSettings(env) {
    const botToken = env.str("SLACK_BOT_TOKEN", null);
    const enabled = env.bool("SLACK_ENABLED", botToken !== null);
    const apiUrl = env.url("SLACK_API_URL", ["https:", "http:"]) ?? "https://slack.com/api/";
    if (botToken !== null && !/^xox[a-z]-[A-Za-z0-9-]+$/.test(botToken)) {
      // The value itself is a secret: the message names the variable, never the token.
      env.problems.push("SLACK_BOT_TOKEN must be a Slack token (xoxb-...)");
    }
    if (!enabled) return null;
    return { apiUrl: apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/`, botToken };
  },
  createDeliverer(settings, deps) {
    const sender = createSlackSender({
      apiUrl: settings.apiUrl,
      botToken: settings.botToken,
      timeoutMs: deps.timeoutMs,
      allowPrivateNetworks: deps.egress.allowPrivateNetworks,
    });
    return {
      async deliver({ delivery, notification, content, address }, signal) {
        const message = toMessage(content);
        if (delivery.target === "") {
          if (address === "") throw new PermanentDeliveryError("the recipient has no Slack member id");
          return sender.postMessage(address, message, signal);
        }
        const endpoint = await deps.endpoints.get(deps.db, notification.tenantId, delivery.target);
        if (endpoint === null) throw new PermanentDeliveryError("the Slack webhook endpoint was deleted");
        if (!endpoint.enabled) throw new PermanentDeliveryError("the Slack webhook endpoint is disabled");
        try {
          return await sender.postToWebhook(endpoint.url, message, signal);
        } catch (error) {
          if (error instanceof PermanentDeliveryError && error.reason === "gone") {
            await deps.endpoints.disable(
              deps.db,
              notification.tenantId,
              endpoint.id,
              `Slack said the incoming webhook is gone (${error.message})`,
            );
          }
          throw error;
        }
      },
      close: () => sender.close(),
    };
  },
});

/** The rendered parts as Slack takes them: blocks were checked as a JSON array when the template was saved. */
function toMessage(content: Record<string, string> | null): SlackMessage {
  const text = content?.text ?? "";
  const blocks = content?.blocks ?? "";
  if (blocks === "") return { text };
  try {
    return { text, blocks: JSON.parse(blocks) as unknown[] };
  } catch (error) {
    // Rendering always writes JSON; stored content that is not will not become JSON on a retry.
    throw new PermanentDeliveryError("the rendered Slack blocks are not JSON", "rejected", { cause: error });
  }
}
