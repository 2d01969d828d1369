/**
 * NATS subjects of the live feed. User ids may hold characters NATS gives meaning
 * to (`.`, `*`, `>`), so the subject carries them base64url-encoded.
 */
export function feedSubject(prefix: string, userId: string): string {
  return `${prefix}.feed.${Buffer.from(userId).toString("base64url")}`;
}

export function feedWildcard(prefix: string): string {
  return `${prefix}.feed.>`;
}

/** The user id of a feed subject, or null if it is not one. */
export function userIdOfSubject(prefix: string, subject: string): string | null {
  const head = `${prefix}.feed.`;
  if (!subject.startsWith(head)) return null;
  const token = subject.slice(head.length);
  return /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, "base64url").toString() : null;
}
