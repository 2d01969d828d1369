/**
 * NATS subjects of the live feed: `<prefix>.feed.<tenant>.<user-token>`. The
 * tenant is part of the subject, so the same user id in two tenants is two
 * feeds. Tenant ids hold only `[a-z0-9-]` (domain/tenant.ts); user ids may
 * hold characters NATS gives meaning to (`.`, `*`, `>`), so the subject
 * carries them base64url-encoded.
 */
export function feedSubject(prefix: string, tenantId: string, userId: string): string {
  return `${prefix}.feed.${tenantId}.${Buffer.from(userId).toString("base64url")}`;
}

export function feedWildcard(prefix: string): string {
  return `${prefix}.feed.>`;
}

/** The tenant and user of a feed subject, or null if it is not one. */
export function feedOwnerOfSubject(prefix: string, subject: string): { tenantId: string; userId: string } | null {
  const head = `${prefix}.feed.`;
  if (!subject.startsWith(head)) return null;
  const match = /^([a-z0-9][a-z0-9-]*)\.([A-Za-z0-9_-]+)$/.exec(subject.slice(head.length));
  if (match === null) return null;
  return { tenantId: match[1] as string, userId: Buffer.from(match[2] as string, "base64url").toString() };
}
