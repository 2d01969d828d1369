import type { createGetNotification } from "./get-notification.js";
import type { createListNotifications } from "./list-notifications.js";
import type { createManagePreferences } from "./manage-preferences.js";
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
}
