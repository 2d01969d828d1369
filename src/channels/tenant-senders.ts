/**
 * Senders built from a tenant's own provider settings (an SMTP pool), one per
 * tenant: made on first use, rebuilt when the tenant's settings for it change
 * (`key`, e.g. the SMTP URL), and at most `max` of them, the least recently
 * used closed when one more is needed.
 */
export interface TenantSenders<S> {
  /** The tenant's sender for this key, made (and a previous one closed) when the key changed. */
  get(tenantId: string, key: string): S;
  /** How many are open (tests, metrics). */
  size(): number;
  close(): void;
}

export function createTenantSenders<S>(options: {
  create(key: string): S;
  close(sender: S): void;
  max: number;
}): TenantSenders<S> {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const senders = new Map<string, { key: string; sender: S }>();
  return {
    get(tenantId, key) {
      const found = senders.get(tenantId);
      if (found !== undefined) {
        senders.delete(tenantId);
        if (found.key === key) {
          senders.set(tenantId, found);
          return found.sender;
        }
        options.close(found.sender);
      }
      const sender = options.create(key);
      senders.set(tenantId, { key, sender });
      for (const [oldest, entry] of senders) {
        if (senders.size <= options.max) break;
        senders.delete(oldest);
        options.close(entry.sender);
      }
      return sender;
    },
    size: () => senders.size,
    close() {
      for (const { sender } of senders.values()) options.close(sender);
      senders.clear();
    },
  };
}
