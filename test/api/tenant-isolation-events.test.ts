import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventService, type WatchEventsResponse } from "../../gen/ts/herald/v1/event_service_pb.js";
import { connectClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { collect, rejection, waitFor } from "../helpers/wait.js";

// Two tenants with the same user ids. WatchEvents of one tenant's key carries
// that tenant's events only; another tenant is reached only with super_admin.
const A = "ev-iso-a";
const B = "ev-iso-b";

let herald: TestHerald;
let aKey: string;
let bKey: string;

beforeAll(async () => {
  herald = await startHerald({ env: { EVENT_SEQUENCER_INTERVAL_MS: "20" } });
  await herald.tenant(A);
  await herald.tenant(B);
  aKey = await herald.apiKey(["send", "read", "admin"], "a", A);
  bKey = await herald.apiKey(["send", "read", "admin"], "b", B);
});
afterAll(() => herald.close());

const events = (key: string) => serviceClient(EventService, herald.url, key);
const eventsOf = (items: WatchEventsResponse[]) =>
  items.flatMap((r) => (r.kind.case === "event" ? [r.kind.value] : []));

describe("WatchEvents between tenants", () => {
  it("a key sees its own tenant's events only, live and replayed", async () => {
    const abort = new AbortController();
    const onB = collect(events(bKey).watchEvents({ fromOldest: true }, { signal: abort.signal }));
    const onA = collect(events(aKey).watchEvents({ fromOldest: true }, { signal: abort.signal }));
    await Promise.all([onA.atLeast(1), onB.atLeast(1)]);
    const sendA = connectClient(herald.url, aKey);
    const sendB = connectClient(herald.url, bKey);
    const [ra, rb] = await Promise.all([
      sendA.send({ userIds: ["alice"], category: "iso", title: "A's", body: "b" }),
      sendB.send({ userIds: ["alice"], category: "iso", title: "B's", body: "b" }),
    ]);
    await connectClient(herald.url, await herald.userToken("alice", { tenant: A })).markRead({ all: true });
    const aId = ra.notifications[0]?.id as string;
    const bId = rb.notifications[0]?.id as string;
    await waitFor(
      () => eventsOf(onA.items).length >= 3 && eventsOf(onB.items).length >= 2,
      5000,
      "both tenants' events",
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(eventsOf(onA.items).every((e) => e.tenantId === A && e.notificationId !== bId)).toBe(true);
    expect(eventsOf(onB.items).every((e) => e.tenantId === B && e.notificationId !== aId)).toBe(true);
    expect(eventsOf(onB.items).some((e) => e.notificationId === bId)).toBe(true);
    // A's markRead is A's: B's stream has no read event.
    expect(eventsOf(onB.items).some((e) => e.payload.case === "changed")).toBe(false);
    abort.abort();
    // Replayed from the start: still only B's.
    const replay = collect(events(bKey).watchEvents({ fromOldest: true }, { signal: AbortSignal.timeout(3000) }));
    await waitFor(() => replay.items.some((r) => r.kind.case === "synced"), 5000, "synced");
    expect(eventsOf(replay.items).map((e) => e.tenantId)).toEqual(eventsOf(replay.items).map(() => B));
  });

  it("naming another tenant needs super_admin", async () => {
    const denied = await rejection(collect(events(bKey).watchEvents({ tenantId: A })).atLeast(1));
    expect(ConnectError.from(denied).code).toBe(Code.PermissionDenied);
    const superKey = await herald.apiKey(["super_admin"], "root");
    const missing = await rejection(collect(events(superKey).watchEvents({ tenantId: "no-such-tenant" })).atLeast(1));
    expect(ConnectError.from(missing).code).toBe(Code.NotFound);
    const abort = new AbortController();
    const asRoot = collect(events(superKey).watchEvents({ tenantId: A, fromOldest: true }, { signal: abort.signal }));
    await waitFor(() => asRoot.items.some((r) => r.kind.case === "synced"), 5000, "synced");
    expect(eventsOf(asRoot.items).length).toBeGreaterThan(0);
    expect(eventsOf(asRoot.items).every((e) => e.tenantId === A)).toBe(true);
    abort.abort();
  });
});
