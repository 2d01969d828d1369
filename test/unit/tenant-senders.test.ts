import { describe, expect, it } from "vitest";
import { createTenantSenders } from "../../src/channels/tenant-senders.js";

describe("createTenantSenders", () => {
  const make = (max: number) => {
    const made: string[] = [];
    const closed: string[] = [];
    const senders = createTenantSenders<string>({
      create: (key) => {
        made.push(key);
        return `sender:${key}`;
      },
      close: (s) => closed.push(s),
      max,
    });
    return { senders, made, closed };
  };

  it("makes one sender per tenant on first use and reuses it while the key is the same", () => {
    const { senders, made, closed } = make(5);
    expect(senders.get("a", "smtp://one")).toBe("sender:smtp://one");
    expect(senders.get("a", "smtp://one")).toBe("sender:smtp://one");
    expect(made).toEqual(["smtp://one"]);
    expect(closed).toEqual([]);
  });

  it("rebuilds a tenant's sender when its key changes, closing the old one", () => {
    const { senders, made, closed } = make(5);
    senders.get("a", "smtp://one");
    expect(senders.get("a", "smtp://two")).toBe("sender:smtp://two");
    expect(made).toEqual(["smtp://one", "smtp://two"]);
    expect(closed).toEqual(["sender:smtp://one"]);
    expect(senders.size()).toBe(1);
  });

  it("keeps at most `max`, closing the least recently used", () => {
    const { senders, closed } = make(2);
    senders.get("a", "A");
    senders.get("b", "B");
    senders.get("a", "A"); // a is now the most recent
    senders.get("c", "C");
    expect(closed).toEqual(["sender:B"]);
    expect(senders.size()).toBe(2);
    senders.close();
    expect(closed.sort()).toEqual(["sender:A", "sender:B", "sender:C"]);
    expect(senders.size()).toBe(0);
  });
});
