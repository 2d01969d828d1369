/**
 * Tenants: the customer workspaces one Herald serves. Every API key, user
 * token, recipient, notification, template, workflow, topic, webhook endpoint
 * and preference belongs to exactly one; nothing is shared between them, and
 * the same user id in two tenants is two different people.
 */

/** The tenant of single-tenant deployments, of tokens without a `tenant` claim, and of data written before tenants. */
export const defaultTenant = "default";

/** Tenant ids: lower-case letters, digits and `-`, 1 to 63 characters, starting with a letter or digit. */
export const tenantIdPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function isTenantId(value: string): boolean {
  return tenantIdPattern.test(value);
}

/**
 * One user of one tenant as a single string, `<tenant>/<user>` (tenant ids
 * hold no `/`): the key of in-memory maps (token revocations, live streams,
 * rate limits) and of announcements between processes.
 */
export function userKey(tenantId: string, userId: string): string {
  return `${tenantId}/${userId}`;
}

/** The tenant and user of a `userKey`. */
export function parseUserKey(key: string): { tenantId: string; userId: string } {
  const slash = key.indexOf("/");
  return { tenantId: key.slice(0, slash), userId: key.slice(slash + 1) };
}
