import { create } from "@bufbuild/protobuf";
import { describe, expect, it, vi } from "vitest";
import { type TabCount, TabCountSchema } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { snoozeChoices } from "../../web/src/snooze-choices.js";
import { InboxTabs, parseTabs, type TabRequest } from "../../web/src/tab-counts.js";

// The inbox's tabs and snooze choices as data, in Node (the browser test drives them in Chromium).

describe("parseTabs", () => {
  it("reads tabs and names the field at fault", () => {
    expect(parseTabs('[{"id":"all","label":"All"},{"id":"m","label":"Mentions","tags":["mention"]}]')).toEqual([
      { id: "all", label: "All", category: undefined, tags: undefined },
      { id: "m", label: "Mentions", category: undefined, tags: ["mention"] },
    ]);
    expect(parseTabs("")).toEqual([]);
    expect(() => parseTabs("{")).toThrow("tabs: not JSON");
    expect(() => parseTabs('[{"id":"All","label":"x"}]')).toThrow("tabs[0].id");
    expect(() => parseTabs('[{"id":"a","label":"x"},{"id":"a","label":"y"}]')).toThrow("tabs[1].id");
    expect(() => parseTabs('[{"id":"a","label":""}]')).toThrow("tabs[0].label");
    expect(() => parseTabs('[{"id":"a","label":"x","tags":"mention"}]')).toThrow("tabs[0].tags");
    expect(() =>
      parseTabs(JSON.stringify(Array.from({ length: 11 }, (_, i) => ({ id: `t${i}`, label: "x" })))),
    ).toThrow("at most 10");
  });
});

describe("InboxTabs", () => {
  const counts = (all: number): TabCount[] => [create(TabCountSchema, { id: "all", unreadCount: all })];

  it("filters by the selected tab and asks for every tab's counts", () => {
    const tabs = new InboxTabs(
      parseTabs('[{"id":"all","label":"All"},{"id":"m","label":"M","tags":["mention"]}]'),
      vi.fn(),
      () => {},
    );
    expect(tabs.active).toBe("all");
    expect(tabs.filter()).toEqual({ category: "", tags: [] });
    expect(tabs.select("m")).toBe(true);
    expect(tabs.select("m")).toBe(false);
    expect(tabs.select("nope")).toBe(false);
    expect(tabs.filter()).toEqual({ category: "", tags: ["mention"] });
    expect(tabs.request()).toEqual([
      { id: "all", category: "", tags: [] },
      { id: "m", category: "", tags: ["mention"] },
    ]);
  });

  it("makes one call for a burst of changes, and an older answer never replaces a newer one", async () => {
    vi.useFakeTimers();
    try {
      const answers: Array<(c: TabCount[]) => void> = [];
      const fetch = vi.fn((_: TabRequest[]) => new Promise<TabCount[]>((resolve) => answers.push(resolve)));
      const tabs = new InboxTabs([{ id: "all", label: "All" }], fetch, () => {});
      tabs.refresh();
      tabs.refresh();
      await vi.advanceTimersByTimeAsync(200);
      expect(fetch).toHaveBeenCalledTimes(1);
      tabs.refresh();
      await vi.advanceTimersByTimeAsync(200);
      expect(fetch).toHaveBeenCalledTimes(2);
      answers[1]?.(counts(5)); // the newer call answers first
      answers[0]?.(counts(7));
      await vi.advanceTimersByTimeAsync(0);
      expect(tabs.unread("all")).toBe(5);
    } finally {
      vi.useRealTimers();
    }
  });

  it("does nothing without tabs", async () => {
    const fetch = vi.fn(async () => counts(1));
    const tabs = new InboxTabs([], fetch, () => {});
    tabs.refresh();
    tabs.set(counts(3));
    await new Promise((r) => setTimeout(r, 200));
    expect(fetch).not.toHaveBeenCalled();
    expect([tabs.active, tabs.unread("all")]).toEqual(["", undefined]);
  });
});

describe("snoozeChoices", () => {
  it("offers an hour, tomorrow at 9:00 local time (across a month's end), and a week", () => {
    const now = new Date(2026, 0, 31, 22, 15);
    const [hour, tomorrow, week] = snoozeChoices(now);
    expect(hour?.until.getTime()).toBe(now.getTime() + 3_600_000);
    expect(tomorrow?.until).toEqual(new Date(2026, 1, 1, 9, 0));
    expect(tomorrow?.label).toMatch(/^Tomorrow, 0?9[:.]00/); // in the locale's own clock
    expect(week?.until.getTime()).toBe(now.getTime() + 7 * 24 * 3_600_000);
  });
});
