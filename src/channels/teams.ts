import { PermanentDeliveryError } from "../domain/delivery-errors.js";
import { channelModule } from "./channel-module.js";
import { checkTeamsUrl, createTeamsSender } from "./teams-sender.js";

/** The Teams section: nothing but whether it is on (TEAMS_ENABLED); the endpoints' URLs are the credentials. */
export type TeamsSettings = Record<string, never>;

/** An Adaptive Card, as Teams renders it (schema 1.4: Teams' desktop, web and mobile clients all render it). */
export interface AdaptiveCard {
  type: "AdaptiveCard";
  [property: string]: unknown;
}

/**
 * The card of a message without a card of its own: the title as a heading
 * (bold, larger), the text, and a button that opens the action URL when there
 * is one. Teams' TextBlocks render a subset of Markdown in both.
 */
export function defaultCard(title: string, text: string, actionUrl: string): AdaptiveCard {
  return {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    body: [
      { type: "TextBlock", text: title, size: "Large", weight: "Bolder", wrap: true },
      { type: "TextBlock", text, wrap: true },
    ],
    ...(actionUrl !== "" && { actions: [{ type: "Action.OpenUrl", title: "Open", url: actionUrl }] }),
  };
}

/** A rendered card part (JSON by construction: templates/content-part.ts); failing that, the same every time. */
function parseCard(text: string): object {
  try {
    return JSON.parse(text) as object;
  } catch (error) {
    throw new PermanentDeliveryError("the rendered card is not JSON", "rejected", { cause: error });
  }
}

/** Most characters of a card, as written (minified) and once rendered: within Teams' 28 KB a message. */
const MAX_CARD_CHARS = 24_000;

/** What is wrong with a template's card, or null: it must be an Adaptive Card object within MAX_CARD_CHARS. */
function checkCard(value: unknown): string | null {
  const isObject = value !== null && typeof value === "object" && !Array.isArray(value);
  if (!isObject || (value as { type?: unknown }).type !== "AdaptiveCard") {
    return 'must be an Adaptive Card: a JSON object with "type": "AdaptiveCard"';
  }
  const length = [...JSON.stringify(value)].length;
  const count = (n: number) => n.toLocaleString("en-US");
  return length > MAX_CARD_CHARS ? `is ${count(length)} characters; the limit is ${count(MAX_CARD_CHARS)}` : null;
}

/**
 * Microsoft Teams: one delivery per enabled endpoint registered for `teams`
 * whose categories match (the delivery's target), posted as a message with
 * one Adaptive Card attachment, the form both Workflows ("Post to a channel
 * when a webhook request is received") and incoming webhooks take. The card
 * is the template's `card` when it has one, else one made of `title` and
 * `text`. An endpoint whose flow or webhook was deleted (404, 410) is
 * disabled.
 */
export const teamsChannel = channelModule<TeamsSettings>({
  id: "teams",
  label: "Microsoft Teams",
  targets: ["endpoints"],
  content: {
    parts: {
      title: { maxChars: 200 },
      text: { maxChars: 8_000 },
      // The sender checks the message's bytes against Teams' 28 KB.
      card: { maxChars: MAX_CARD_CHARS, optional: true, json: { check: checkCard } },
    },
    fromDraft: (n) => ({
      title: n.title,
      text: n.body,
      card: JSON.stringify(defaultCard(n.title, n.body, n.actionUrl)),
    }),
  },
  checkEndpointUrl: (url, egress) => checkTeamsUrl(url, egress),
  readSettings(env) {
    // Off unless asked for: a server offers (and preference pages show) only
    // channels its operator set up, and posting to Microsoft is new egress.
    if (!env.bool("TEAMS_ENABLED", false)) return null;
    return {};
  },
  createDeliverer(_settings, deps) {
    const sender = createTeamsSender({
      timeoutMs: deps.timeoutMs,
      allowPrivateNetworks: deps.egress.allowPrivateNetworks,
    });
    return {
      async deliver({ delivery, notification, content }, signal) {
        if (delivery.target === "") throw new PermanentDeliveryError("no Teams endpoint takes this category");
        const endpoint = await deps.endpoints.get(deps.db, notification.tenantId, delivery.target);
        if (endpoint === null) throw new PermanentDeliveryError("the Teams endpoint was deleted");
        if (!endpoint.enabled) throw new PermanentDeliveryError("the Teams endpoint is disabled");
        const parts = content ?? {};
        const card =
          parts.card !== undefined && parts.card !== ""
            ? parseCard(parts.card)
            : defaultCard(parts.title ?? notification.title, parts.text ?? notification.body, notification.actionUrl);
        try {
          return await sender.send({ url: endpoint.url, card, deliveryId: delivery.id }, signal);
        } catch (error) {
          if (error instanceof PermanentDeliveryError && error.reason === "gone") {
            await deps.endpoints.disable(deps.db, notification.tenantId, endpoint.id, error.message);
          }
          throw error;
        }
      },
      close: () => sender.close(),
    };
  },
});
