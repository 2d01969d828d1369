import { describe, expect, it } from "vitest";
import type { DailyWindow, LocalTime } from "../../src/domain/workflow.js";
import {
  insideWindow,
  isEmptyWindow,
  isValidTimeZone,
  nextLocalTime,
  nextSendOpening,
  windowEnd,
  zoneOf,
} from "../../src/workflows/local-time.js";

// Every expected instant below is computed by hand from the 2026 rules:
// Europe/Berlin CET (+01) / CEST (+02), switching 2026-03-29 at 01:00Z and
// 2026-10-25 at 01:00Z; America/New_York EST (-05) / EDT (-04), switching
// 2026-03-08 at 07:00Z and 2026-11-01 at 06:00Z.
const berlin = "Europe/Berlin";
const newYork = "America/New_York";
const t = (hour: number, minute = 0): LocalTime => ({ hour, minute });
const win = (start: LocalTime, end: LocalTime): DailyWindow => ({ start, end });
const at = (iso: string) => new Date(iso);
const iso = (d: Date | null) => d?.toISOString() ?? null;

describe("isValidTimeZone and zoneOf", () => {
  it("accept IANA names only, never the empty string", () => {
    expect(isValidTimeZone("Europe/Berlin")).toBe(true);
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("")).toBe(false);
    expect(isValidTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(isValidTimeZone("+02:00")).toBe(false);
  });

  it("pick the override, else the recipient's zone, else UTC", () => {
    expect(zoneOf(berlin, newYork)).toBe(newYork);
    expect(zoneOf(berlin, "")).toBe(berlin);
    expect(zoneOf(berlin)).toBe(berlin);
    expect(zoneOf("")).toBe("UTC");
    expect(zoneOf("Mars/Olympus_Mons")).toBe("UTC");
    expect(zoneOf("Mars/Olympus_Mons", "Not/A_Zone")).toBe("UTC");
    expect(zoneOf(berlin, "Not/A_Zone")).toBe(berlin);
  });

  it("functions refuse an invalid zone loudly", () => {
    expect(() => nextLocalTime(at("2026-01-01T00:00:00Z"), "Not/A_Zone", t(9))).toThrow(RangeError);
    expect(() => insideWindow(at("2026-01-01T00:00:00Z"), "", win(t(9), t(10)))).toThrow(RangeError);
  });
});

describe("nextLocalTime", () => {
  it("is later today, or tomorrow once passed, and strictly after", () => {
    expect(iso(nextLocalTime(at("2026-06-10T05:00:00Z"), berlin, t(9)))).toBe("2026-06-10T07:00:00.000Z");
    expect(iso(nextLocalTime(at("2026-06-10T08:00:00Z"), berlin, t(9)))).toBe("2026-06-11T07:00:00.000Z");
    expect(iso(nextLocalTime(at("2026-06-10T07:00:00Z"), berlin, t(9)))).toBe("2026-06-11T07:00:00.000Z");
    expect(iso(nextLocalTime(at("2026-06-10T23:30:00Z"), "UTC", t(23, 45)))).toBe("2026-06-10T23:45:00.000Z");
  });

  it("finds the local date, not the UTC one", () => {
    // 23:30Z on 06-10 is already 01:30 on 06-11 in Berlin: next 09:00 is that day's.
    expect(iso(nextLocalTime(at("2026-06-10T23:30:00Z"), berlin, t(9)))).toBe("2026-06-11T07:00:00.000Z");
    // 02:00Z on 06-11 is still 22:00 on 06-10 in New York.
    expect(iso(nextLocalTime(at("2026-06-11T02:00:00Z"), newYork, t(23)))).toBe("2026-06-11T03:00:00.000Z");
  });

  it("next 09:00 across the switches in Berlin", () => {
    // Saturday 11:00 CET -> Sunday 09:00 CEST.
    expect(iso(nextLocalTime(at("2026-03-28T10:00:00Z"), berlin, t(9)))).toBe("2026-03-29T07:00:00.000Z");
    // Saturday 10:00 CEST -> Sunday 09:00 CET.
    expect(iso(nextLocalTime(at("2026-10-24T08:00:00Z"), berlin, t(9)))).toBe("2026-10-25T08:00:00.000Z");
  });

  it("next 09:00 across the switches in New York", () => {
    // Saturday 10:00 EST -> Sunday 09:00 EDT.
    expect(iso(nextLocalTime(at("2026-03-07T15:00:00Z"), newYork, t(9)))).toBe("2026-03-08T13:00:00.000Z");
    // Saturday 10:00 EDT -> Sunday 09:00 EST.
    expect(iso(nextLocalTime(at("2026-10-31T14:00:00Z"), newYork, t(9)))).toBe("2026-11-01T14:00:00.000Z");
  });

  it("a wall time the clock skips becomes the first instant after the gap", () => {
    // Berlin goes 02:00 CET -> 03:00 CEST: 02:30 is 03:00 CEST = 01:00Z.
    expect(iso(nextLocalTime(at("2026-03-28T12:00:00Z"), berlin, t(2, 30)))).toBe("2026-03-29T01:00:00.000Z");
    // New York goes 02:00 EST -> 03:00 EDT: 02:30 is 03:00 EDT = 07:00Z.
    expect(iso(nextLocalTime(at("2026-03-07T12:00:00Z"), newYork, t(2, 30)))).toBe("2026-03-08T07:00:00.000Z");
    // The day after, 02:30 exists again.
    expect(iso(nextLocalTime(at("2026-03-29T01:00:00Z"), berlin, t(2, 30)))).toBe("2026-03-30T00:30:00.000Z");
  });

  it("a wall time the clock shows twice is its first occurrence, once per date", () => {
    // Berlin 02:30 on 10-25: CEST (00:30Z) then CET (01:30Z).
    expect(iso(nextLocalTime(at("2026-10-24T12:00:00Z"), berlin, t(2, 30)))).toBe("2026-10-25T00:30:00.000Z");
    // New York 01:30 on 11-01: EDT (05:30Z) then EST (06:30Z).
    expect(iso(nextLocalTime(at("2026-10-31T12:00:00Z"), newYork, t(1, 30)))).toBe("2026-11-01T05:30:00.000Z");
    // Between the two passes, the daily time has been: next is 11-02 01:30 EST.
    expect(iso(nextLocalTime(at("2026-11-01T05:45:00Z"), newYork, t(1, 30)))).toBe("2026-11-02T06:30:00.000Z");
  });
});

describe("insideWindow", () => {
  const day = win(t(9), t(17));
  const night = win(t(22), t(7));

  it("includes the start and excludes the end", () => {
    expect(insideWindow(at("2026-06-10T07:00:00Z"), berlin, day)).toBe(true); // 09:00
    expect(insideWindow(at("2026-06-10T06:59:00Z"), berlin, day)).toBe(false); // 08:59
    expect(insideWindow(at("2026-06-10T14:59:00Z"), berlin, day)).toBe(true); // 16:59
    expect(insideWindow(at("2026-06-10T15:00:00Z"), berlin, day)).toBe(false); // 17:00
  });

  it("spans midnight when the end is before the start", () => {
    expect(insideWindow(at("2026-06-10T20:00:00Z"), berlin, night)).toBe(true); // 22:00
    expect(insideWindow(at("2026-06-10T19:59:00Z"), berlin, night)).toBe(false); // 21:59
    expect(insideWindow(at("2026-06-10T22:30:00Z"), berlin, night)).toBe(true); // 00:30
    expect(insideWindow(at("2026-06-11T04:59:00Z"), berlin, night)).toBe(true); // 06:59
    expect(insideWindow(at("2026-06-11T05:00:00Z"), berlin, night)).toBe(false); // 07:00
    expect(insideWindow(at("2026-06-10T12:00:00Z"), berlin, night)).toBe(false); // 14:00
  });

  it("reads the zone's wall clock", () => {
    // 03:00Z is 23:00 in New York (inside 22:00-07:00) and 05:00 in Berlin (inside too),
    // but 12:00Z is 08:00 in New York and 14:00 in Berlin.
    expect(insideWindow(at("2026-06-10T03:00:00Z"), newYork, night)).toBe(true);
    expect(insideWindow(at("2026-06-10T12:00:00Z"), newYork, night)).toBe(false);
    expect(insideWindow(at("2026-06-10T10:00:00Z"), "UTC", night)).toBe(false);
    expect(insideWindow(at("2026-06-10T23:00:00Z"), "UTC", night)).toBe(true);
  });

  it("treats start == end as an empty window", () => {
    const empty = win(t(22), t(22));
    expect(isEmptyWindow(empty)).toBe(true);
    expect(isEmptyWindow(night)).toBe(false);
    for (const hour of [0, 6, 21, 22, 23]) {
      expect(insideWindow(at(`2026-06-10T${String(hour).padStart(2, "0")}:00:00Z`), "UTC", empty)).toBe(false);
    }
  });
});

describe("windowEnd", () => {
  const night = win(t(22), t(7));

  it("is null outside the window", () => {
    expect(windowEnd(at("2026-06-10T12:00:00Z"), berlin, night)).toBeNull();
    expect(windowEnd(at("2026-06-10T12:00:00Z"), berlin, win(t(9), t(9)))).toBeNull();
  });

  it("ends the same night or the next morning", () => {
    expect(iso(windowEnd(at("2026-06-10T21:00:00Z"), berlin, night))).toBe("2026-06-11T05:00:00.000Z"); // 23:00
    expect(iso(windowEnd(at("2026-06-11T01:00:00Z"), berlin, night))).toBe("2026-06-11T05:00:00.000Z"); // 03:00
    expect(iso(windowEnd(at("2026-06-10T08:00:00Z"), "UTC", win(t(8), t(8, 30))))).toBe("2026-06-10T08:30:00.000Z");
  });

  it("quiet hours 22:00-07:00 in Berlin over the spring-forward night end at 05:00Z", () => {
    // Saturday 22:30 CET; Sunday 07:00 is CEST.
    expect(iso(windowEnd(at("2026-03-28T21:30:00Z"), berlin, night))).toBe("2026-03-29T05:00:00.000Z");
    // Straight after the jump (03:00 CEST) too.
    expect(iso(windowEnd(at("2026-03-29T01:00:00Z"), berlin, night))).toBe("2026-03-29T05:00:00.000Z");
  });

  it("quiet hours 22:00-07:00 in Berlin over the fall-back night end at 06:00Z", () => {
    expect(iso(windowEnd(at("2026-10-24T20:30:00Z"), berlin, night))).toBe("2026-10-25T06:00:00.000Z");
  });

  it("quiet hours 22:00-07:00 in New York over the switches", () => {
    // Saturday 23:00 EDT; Sunday 07:00 EST = 12:00Z.
    expect(iso(windowEnd(at("2026-11-01T03:00:00Z"), newYork, night))).toBe("2026-11-01T12:00:00.000Z");
    // Saturday 23:00 EST; Sunday 07:00 EDT = 11:00Z.
    expect(iso(windowEnd(at("2026-03-08T04:00:00Z"), newYork, night))).toBe("2026-03-08T11:00:00.000Z");
  });

  it("an end the clock skips is the instant after the gap", () => {
    // 00:00-02:30 Berlin on the spring-forward night: at 01:30 CET the window ends at 03:00 CEST.
    expect(iso(windowEnd(at("2026-03-29T00:30:00Z"), berlin, win(t(0), t(2, 30))))).toBe("2026-03-29T01:00:00.000Z");
  });

  it("an end the clock shows twice is the next pass", () => {
    const toHalfPastOne = win(t(0), t(1, 30));
    // 01:10 EDT: ends 01:30 EDT.
    expect(iso(windowEnd(at("2026-11-01T05:10:00Z"), newYork, toHalfPastOne))).toBe("2026-11-01T05:30:00.000Z");
    // 01:10 EST, after the clock went back: inside again, ends 01:30 EST.
    expect(iso(windowEnd(at("2026-11-01T06:10:00Z"), newYork, toHalfPastOne))).toBe("2026-11-01T06:30:00.000Z");
  });
});

describe("nextSendOpening", () => {
  const officeHours = { weekdays: [1, 2, 3, 4, 5], window: win(t(9), t(17)) };

  it("is null inside the window on an allowed weekday", () => {
    // Friday 2026-03-27 11:00 CET.
    expect(nextSendOpening(at("2026-03-27T10:00:00Z"), berlin, officeHours)).toBeNull();
  });

  it("skips to the next allowed weekday, across the switch", () => {
    // Friday 17:30 CET and Saturday 11:00 CET -> Monday 09:00 CEST.
    expect(iso(nextSendOpening(at("2026-03-27T16:30:00Z"), berlin, officeHours))).toBe("2026-03-30T07:00:00.000Z");
    expect(iso(nextSendOpening(at("2026-03-28T10:00:00Z"), berlin, officeHours))).toBe("2026-03-30T07:00:00.000Z");
  });

  it("opens later today before the window", () => {
    // Monday 2026-03-30 06:00 CEST -> 09:00 CEST.
    expect(iso(nextSendOpening(at("2026-03-30T04:00:00Z"), berlin, officeHours))).toBe("2026-03-30T07:00:00.000Z");
  });

  it("no weekdays means every day", () => {
    const daily = { weekdays: [], window: win(t(9), t(17)) };
    expect(nextSendOpening(at("2026-03-28T10:00:00Z"), berlin, daily)).toBeNull(); // Saturday
    expect(iso(nextSendOpening(at("2026-03-28T17:00:00Z"), berlin, daily))).toBe("2026-03-29T07:00:00.000Z");
  });

  it("uses the weekday the window opened on when it spans midnight", () => {
    const mondayNights = { weekdays: [1], window: win(t(22), t(6)) };
    // Tuesday 2026-03-31 02:00 CEST: Monday's window, still open.
    expect(nextSendOpening(at("2026-03-31T00:00:00Z"), berlin, mondayNights)).toBeNull();
    // Monday 2026-03-30 03:00 CEST: Sunday's window, not allowed: opens Monday 22:00 CEST.
    expect(iso(nextSendOpening(at("2026-03-30T01:00:00Z"), berlin, mondayNights))).toBe("2026-03-30T20:00:00.000Z");
    // Tuesday 2026-03-31 07:00 CEST: closed, next Monday 2026-04-06 22:00 CEST.
    expect(iso(nextSendOpening(at("2026-03-31T05:00:00Z"), berlin, mondayNights))).toBe("2026-04-06T20:00:00.000Z");
  });

  it("the weekday is the recipient's, not UTC's", () => {
    const sundays = { weekdays: [7], window: win(t(20), t(23)) };
    // 2026-06-15T01:00Z is Monday in UTC but Sunday 21:00 in New York.
    expect(nextSendOpening(at("2026-06-15T01:00:00Z"), newYork, sundays)).toBeNull();
    expect(iso(nextSendOpening(at("2026-06-15T01:00:00Z"), "UTC", sundays))).toBe("2026-06-21T20:00:00.000Z");
  });

  it("an opening the clock skips is the instant after the gap", () => {
    const early = { weekdays: [], window: win(t(2, 30), t(5)) };
    // Sunday 2026-03-08 01:00 EST: opens at 03:00 EDT = 07:00Z, where the window is already open.
    const opening = nextSendOpening(at("2026-03-08T06:00:00Z"), newYork, early);
    expect(iso(opening)).toBe("2026-03-08T07:00:00.000Z");
    expect(nextSendOpening(opening as Date, newYork, early)).toBeNull();
  });

  it("refuses an empty window, which would never open", () => {
    expect(() => nextSendOpening(at("2026-06-10T12:00:00Z"), "UTC", { weekdays: [], window: win(t(9), t(9)) })).toThrow(
      RangeError,
    );
  });
});
