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
    parts: { title: { maxChars: 200 }, body: { maxChars: 5_000 } },
    fromDraft: (n) => ({ title: n.title, body: n.body }),
  },
  readSettings: () => ({}),
});
