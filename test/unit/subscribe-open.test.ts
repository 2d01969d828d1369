// Opening a Subscribe stream on a saturated machine (issue 16): a head read the
// database could not serve is tried again before the open fails; a refusal by
// the read queue (admission control) is not.
import { describe, expect, it } from "vitest";
import { UnavailableError } from "../../src/domain/errors.js";
import type { FeedHead } from "../../src/domain/feed-event.js";
import { defaultTenant } from "../../src/domain/tenant.js";
import { ReadQueueFullError } from "../../src/feed/read-queue.js";
import { createSubscribeFeed } from "../../src/usecases/subscribe-feed.js";

function subscribeWithHeads(answers: Array<FeedHead | Error>) {
  let reads = 0;
  const subscribe = createSubscribeFeed({
    feeds: {
      head: async () => {
        const answer = answers[reads++];
        if (answer instanceof Error) throw answer;
        return answer ?? null;
      },
      eventsAfter: async () => ({ events: [], firstSeq: null, lastSeq: 0, more: false }),
    },
    hub: { listen: () => () => undefined },
  });
  const abort = new AbortController();
  const stream = subscribe(
    { kind: "user", tenantId: defaultTenant, userId: "ada" },
    { userId: "", cursor: null },
    abort.signal,
  );
  return { first: () => stream.next(), reads: () => reads, close: () => abort.abort() };
}

const noConnection = () =>
  new UnavailableError("database unavailable, try again", {
    cause: new Error("timeout exceeded when trying to connect"),
  });

describe("opening a Subscribe stream", () => {
  it("tries the head read again when the database could not serve it", async () => {
    const s = subscribeWithHeads([noConnection(), noConnection(), { seq: 5, unreadCount: 1, unseenCount: 0 }]);
    const first = await s.first();
    expect(first.value).toMatchObject({ kind: "synced", seq: 5, unreadCount: 1, unseenCount: 0 });
    expect(s.reads()).toBe(3);
    s.close();
  });

  it("fails after a few attempts, with the database's error", async () => {
    const s = subscribeWithHeads([
      noConnection(),
      noConnection(),
      noConnection(),
      { seq: 5, unreadCount: 1, unseenCount: 0 },
    ]);
    await expect(s.first()).rejects.toThrow("database unavailable");
    expect(s.reads()).toBe(3);
  });

  it("fails at once when the read queue refuses it (too many reads waiting)", async () => {
    const s = subscribeWithHeads([new ReadQueueFullError("server busy"), { seq: 5, unreadCount: 1, unseenCount: 0 }]);
    await expect(s.first()).rejects.toBeInstanceOf(ReadQueueFullError);
    expect(s.reads()).toBe(1);
  });
});
