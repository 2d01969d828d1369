import type { createGetNotification } from "./get-notification.js";
import type { createListNotifications } from "./list-notifications.js";
import type { createManageDeliveries } from "./manage-deliveries.js";
import type { createManagePreferences } from "./manage-preferences.js";
import type { createManageRecipients } from "./manage-recipients.js";
import type { createManageTemplates } from "./manage-templates.js";
import type { createManageWebhooks } from "./manage-webhooks.js";
import type { createMarkNotifications } from "./mark-notifications.js";
import type { createSendNotification } from "./send-notification.js";
import type { createSubscribeFeed } from "./subscribe-feed.js";

/** Everything the API can ask of Herald; built in app.ts. */
export interface UseCases {
  send: ReturnType<typeof createSendNotification>;
  getNotification: ReturnType<typeof createGetNotification>;
  list: ReturnType<typeof createListNotifications>;
  mark: ReturnType<typeof createMarkNotifications>;
  preferences: ReturnType<typeof createManagePreferences>;
  subscribe: ReturnType<typeof createSubscribeFeed>;
  deliveries: ReturnType<typeof createManageDeliveries>;
  recipients: ReturnType<typeof createManageRecipients>;
  templates: ReturnType<typeof createManageTemplates>;
  webhooks: ReturnType<typeof createManageWebhooks>;
}
