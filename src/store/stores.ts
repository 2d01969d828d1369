import { ApiKeyStore } from "./api-key-store.js";
import type { Database } from "./database.js";
import { DeliveryStore } from "./delivery-store.js";
import { FeedStore } from "./feed-store.js";
import { IdempotencyStore } from "./idempotency-store.js";
import { InboxStore } from "./inbox-store.js";
import { NotificationStore } from "./notification-store.js";
import { PreferenceStore } from "./preference-store.js";
import { RecipientStore } from "./recipient-store.js";
import { SendStore } from "./send-store.js";
import { TemplateStore } from "./template-store.js";
import { WebhookEndpointStore } from "./webhook-endpoint-store.js";

/** Every store, on one database. */
export function createStores(db: Database) {
  return {
    apiKeys: new ApiKeyStore(db),
    notifications: new NotificationStore(db),
    deliveries: new DeliveryStore(db),
    feeds: new FeedStore(db),
    inbox: new InboxStore(db),
    preferences: new PreferenceStore(db),
    idempotency: new IdempotencyStore(db),
    recipients: new RecipientStore(db),
    sends: new SendStore(db),
    templates: new TemplateStore(db),
    endpoints: new WebhookEndpointStore(db),
  };
}

export type Stores = ReturnType<typeof createStores>;
