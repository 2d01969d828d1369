import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  NotificationSummarySchema,
  type SearchNotificationsRequest,
} from "../../gen/ts/herald/v1/operator_service_pb.js";
import { maxCallsPerPage, searchFilled } from "../../web/console/src/search-pages.js";

/**
 * A SearchNotifications that answers as the server does when its window per
 * call is smaller than the page: `perCall` results a call, `total` in all.
 */
function scripted(perCall: number, total: number) {
  const asked: Array<Partial<SearchNotificationsRequest>> = [];
  const operator = {
    async searchNotifications(req: Partial<SearchNotificationsRequest>) {
      asked.push(req);
      const start = req.pageToken === "" ? 0 : Number(req.pageToken);
      const n = Math.min(perCall, req.pageSize ?? 0, total - start);
      const notifications = Array.from({ length: n }, (_, i) =>
        create(NotificationSummarySchema, { notification: { id: `n${start + i}` } }),
      );
      const end = start + Math.max(n, perCall === 0 ? 1 : n);
      return { notifications, nextPageToken: end >= total ? "" : String(end) };
    },
  } as unknown as Parameters<typeof searchFilled>[0];
  return { operator, asked };
}

const signal = new AbortController().signal;

describe("searchFilled (the console's pages over a bounded search)", () => {
  it("keeps asking until the page is full, asking only for what is missing", async () => {
    const s = scripted(10, 1_000);
    const page = await searchFilled(s.operator, { userId: "u", pageToken: "" }, 25, signal);
    expect(page.notifications.map((n) => n.notification?.id)).toEqual(Array.from({ length: 25 }, (_, i) => `n${i}`));
    expect(s.asked.map((r) => r.pageSize)).toEqual([25, 15, 5]);
    expect(s.asked.every((r) => r.userId === "u")).toBe(true);
    expect(page.nextPageToken).toBe("25");
  });

  it("stops when the search is over", async () => {
    const s = scripted(10, 12);
    const page = await searchFilled(s.operator, { pageToken: "" }, 25, signal);
    expect(page.notifications).toHaveLength(12);
    expect(page.nextPageToken).toBe("");
  });

  it("stops after a bounded number of calls, with a token that goes on", async () => {
    const s = scripted(0, 1_000_000);
    const page = await searchFilled(s.operator, { pageToken: "" }, 25, signal);
    expect(page.notifications).toHaveLength(0);
    expect(s.asked).toHaveLength(maxCallsPerPage);
    expect(page.nextPageToken).toBe(String(maxCallsPerPage));
  });
});
