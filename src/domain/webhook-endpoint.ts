/** A URL that receives notifications, signed per Standard Webhooks. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  /** Categories (and those below them) it receives; empty for all. */
  categories: string[];
  description: string;
  enabled: boolean;
  disabledReason: string;
  createdAt: Date;
  updatedAt: Date;
}

/** An endpoint with the secrets that sign what it receives (current first). */
export interface WebhookTarget extends WebhookEndpoint {
  secrets: string[];
}

/** Whether an endpoint with these categories receives `category`. */
export function endpointMatches(categories: readonly string[], category: string): boolean {
  return categories.length === 0 || categories.some((c) => category === c || category.startsWith(`${c}.`));
}
