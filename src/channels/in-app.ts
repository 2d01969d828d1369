import { checkActionsTemplate } from "../domain/tags-and-actions.js";
import { channelModule } from "./channel-module.js";

/**
 * In-app: the user's inbox and live feed. Always on. Its delivery is a write
 * in Postgres (at Send time, or when a scheduled notification comes due), not
 * a provider call, so it has no deliverer.
 */
export const inAppChannel = channelModule({
  id: "in_app",
  label: "In-app",
  targets: ["inbox"],
  content: {
    // tags and actions are not shown as text: they become the notification's
    // tags and buttons (domain/tags-and-actions.ts checks what they render).
    parts: {
      title: { maxChars: 200 },
      body: { maxChars: 5_000 },
      tags: { maxChars: 1_000, optional: true },
      actions: { maxChars: 20_000, optional: true, json: { check: checkActionsTemplate } },
    },
    fromDraft: (n) => ({ title: n.title, body: n.body }),
  },
  readSettings: () => ({}),
});
