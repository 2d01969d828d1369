import { IANAZone } from "luxon";
import type { DailyWindow, LocalTime, SendWindow } from "../domain/workflow.js";

// Wall-clock arithmetic works on "wall" numbers: the milliseconds since the
// epoch that the local date and time would be if it were UTC. Days and minutes
// of a wall number are then plain division, and luxon's IANAZone supplies the
// one thing that needs tzdata: a zone's offset at an instant.
const minuteMs = 60_000;
const dayMs = 86_400_000;

// An IANA name starts with a letter (`Europe/Berlin`, `UTC`, `Etc/GMT+2`).
// Newer ICU (Node 24) also takes offsets such as `+02:00` as a time zone,
// which is no IANA name and has no daylight-saving rules: refused on every
// runtime alike.
const ianaName = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/**
 * Whether `zone` is an IANA time zone name this runtime knows (`Europe/Berlin`,
 * `UTC`). The empty string is not: callers use it for "none"; nor is a UTC
 * offset (`+02:00`).
 */
export function isValidTimeZone(zone: string): boolean {
  return ianaName.test(zone) && IANAZone.isValidZone(zone);
}

/**
 * The zone to read a user's wall clock in: `override` (quiet hours' own
 * timezone) when set, else the recipient's timezone, else UTC. A zone that is
 * not valid (any more: tzdata drops names rarely, but Recipient.timezone is
 * never checked) is skipped rather than failing every later step.
 */
export function zoneOf(recipientTimezone: string, override = ""): string {
  if (isValidTimeZone(override)) return override;
  return isValidTimeZone(recipientTimezone) ? recipientTimezone : "UTC";
}

/**
 * The first instant strictly after `after` at which the wall clock in `zone`
 * shows `at`, counting each local date once (a daily timer fires once a day):
 * - on a spring-forward day where `at` does not exist (02:30 in Europe/Berlin
 *   on 2026-03-29), the first instant after the gap (03:00 local, 01:00Z);
 * - on a fall-back day where it exists twice, the first occurrence; when
 *   `after` lies between the two, the next date's.
 * Throws a RangeError for an invalid zone (see zoneOf).
 */
export function nextLocalTime(after: Date, zone: string, at: LocalTime): Date {
  const z = ianaZone(zone);
  const t = after.getTime();
  const today = dayOf(wallOf(z, t));
  // The same wall time a day later is at least 23 hours later, so today's or
  // tomorrow's is the answer; the third day is a guard, never reached.
  for (let day = today; day <= today + 2; day++) {
    const first = instantsOf(z, wallAt(day, at))[0] as number;
    if (first > t) return new Date(first);
  }
  throw new Error(`nextLocalTime: no ${format(at)} in ${zone} after ${after.toISOString()}`);
}

/**
 * Whether the wall clock in `zone` at `at` is inside `window`: start included,
 * end excluded. A window whose end is before its start spans midnight (22:00
 * to 07:00). A window whose start equals its end is empty, never inside: the
 * contract's "end at or before start spans midnight" would make it the whole
 * day, which a user who set 22:00 to 22:00 hardly means, so it is read as no
 * window at all.
 */
export function insideWindow(at: Date, zone: string, window: DailyWindow): boolean {
  const minute = minuteOfDay(wallOf(ianaZone(zone), at.getTime()));
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  if (start === end) return false;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** Whether a window is empty (start equals end): never inside, never opens. */
export function isEmptyWindow(window: DailyWindow): boolean {
  return minutesOf(window.start) === minutesOf(window.end);
}

/**
 * When `at` is inside `window` in `zone`, the instant the window ends: the next
 * time the wall clock shows `window.end` (on a fall-back night, whichever pass
 * of the clock comes next; in a spring-forward gap, the instant after it).
 * Outside the window, null.
 */
export function windowEnd(at: Date, zone: string, window: DailyWindow): Date | null {
  if (!insideWindow(at, zone, window)) return null;
  return nextWallTime(ianaZone(zone), at.getTime(), window.end, () => true);
}

/**
 * When deliveries may go out under `sendWindow` in `zone`: null when `at` is
 * inside its daily window and the window opened on an allowed weekday (the ISO
 * weekday of the local date on which it opened, so 02:00 on Tuesday in a 22:00
 * to 06:00 window counts as Monday's; no weekdays means every day); otherwise
 * the next instant it opens on an allowed weekday. Throws a RangeError for an
 * empty window (it would never open: reject it when the workflow is written).
 */
export function nextSendOpening(at: Date, zone: string, sendWindow: SendWindow): Date | null {
  const { window, weekdays } = sendWindow;
  if (isEmptyWindow(window)) throw new RangeError("nextSendOpening: the send window is empty (start equals end)");
  const allowed = (day: number) => weekdays.length === 0 || weekdays.includes(isoWeekday(day));
  if (insideWindow(at, zone, window) && allowed(openingDay(at, zone, window))) return null;
  return nextWallTime(ianaZone(zone), at.getTime(), window.start, allowed);
}

/**
 * The earliest instant after `t` at which the wall clock shows `time` on a
 * local date that `dayAllowed`, every pass of the clock counted: functions
 * about windows follow what the clock shows, so that they agree with
 * insideWindow even on a fall-back night.
 */
function nextWallTime(z: IANAZone, t: number, time: LocalTime, dayAllowed: (day: number) => boolean): Date {
  const today = dayOf(wallOf(z, t));
  // Eight days cover a whole week from today, whatever weekdays are allowed.
  for (let day = today; day <= today + 8; day++) {
    if (!dayAllowed(day)) continue;
    const next = instantsOf(z, wallAt(day, time)).find((instant) => instant > t);
    if (next !== undefined) return new Date(next);
  }
  throw new RangeError(`no ${format(time)} on an allowed weekday after ${new Date(t).toISOString()}`);
}

/** The local date (as a day number) on which the window around `at` opened. */
function openingDay(at: Date, zone: string, window: DailyWindow): number {
  const wall = wallOf(ianaZone(zone), at.getTime());
  const spansMidnight = minutesOf(window.end) < minutesOf(window.start);
  // After midnight in a window that spans it, the window opened yesterday.
  return spansMidnight && minuteOfDay(wall) < minutesOf(window.end) ? dayOf(wall) - 1 : dayOf(wall);
}

/**
 * Every instant at which the wall clock shows `wall`, earliest first: one on
 * most days, two when the clock is set back over it, and on a day the clock
 * skips it the one instant the skipped span ends. Assumes, as holds for every
 * real zone, that an offset changes at most once within a day either side.
 */
function instantsOf(z: IANAZone, wall: number): number[] {
  const before = offsetMs(z, wall - dayMs);
  const after = offsetMs(z, wall + dayMs);
  const instants = [...new Set([wall - before, wall - after])]
    .filter((t) => wallOf(z, t) === wall)
    .sort((a, b) => a - b);
  return instants.length > 0 ? instants : [gapEnd(z, wall - after, wall - before)];
}

/** The first instant in (from, to] whose offset differs from from's: a transition, found by bisection. */
function gapEnd(z: IANAZone, from: number, to: number): number {
  const initial = offsetMs(z, from);
  let lo = from;
  let hi = to;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(z, mid) === initial) lo = mid;
    else hi = mid;
  }
  return hi;
}

function ianaZone(zone: string): IANAZone {
  if (!isValidTimeZone(zone)) throw new RangeError(`not an IANA time zone: "${zone}"`);
  return IANAZone.create(zone);
}

const offsetMs = (z: IANAZone, t: number): number => z.offset(t) * minuteMs;
const wallOf = (z: IANAZone, t: number): number => t + offsetMs(z, t);
const wallAt = (day: number, time: LocalTime): number => day * dayMs + minutesOf(time) * minuteMs;
const dayOf = (wall: number): number => Math.floor(wall / dayMs);
const minuteOfDay = (wall: number): number => Math.floor((wall - dayOf(wall) * dayMs) / minuteMs);
const minutesOf = (time: LocalTime): number => time.hour * 60 + time.minute;
// Day 0 (1970-01-01) was a Thursday, ISO weekday 4.
const isoWeekday = (day: number): number => ((((day + 3) % 7) + 7) % 7) + 1;
const format = (time: LocalTime): string =>
  `${String(time.hour).padStart(2, "0")}:${String(time.minute).padStart(2, "0")}`;
