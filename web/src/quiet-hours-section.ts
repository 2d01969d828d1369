import type { QuietHours } from "../../gen/ts/herald/v1/workflow_pb.js";
import { h } from "./dom.js";
import type { HeraldClient } from "./herald-client.js";

/** What UpdatePreferences takes: here, quiet hours set or cleared. */
type Patch = Parameters<HeraldClient["updatePreferences"]>[0];

/** A time of day as `<input type="time">` shows it (`22:00`) and LocalTime carries it. */
interface Time {
  hour: number;
  minute: number;
}

const defaults = { start: { hour: 22, minute: 0 }, end: { hour: 7, minute: 0 } };

/** 7:05 -> "07:05", the value `<input type="time">` takes. */
export function timeValue(time: Time | undefined, fallback: Time): string {
  const { hour, minute } = time ?? fallback;
  return `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;
}

/** "07:05" (or "07:05:30", which some browsers give with a step) -> 7:05; null when empty or malformed. */
export function parseTime(value: string): Time | null {
  const match = /^(\d{2}):(\d{2})(:\d{2}(\.\d+)?)?$/.exec(value);
  if (match === null) return null;
  const hour = Number(match[1]);
  const minute = Number(match[2]);
  return hour <= 23 && minute <= 59 ? { hour, minute } : null;
}

/** The browser's IANA zone, which is what the times on the page mean to the user. */
function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone ?? "";
}

/**
 * The patch that saves the section's state: clear_quiet_hours when off;
 * otherwise the window, the channels kept as they were (the page does not
 * edit them), and a time zone: the one already stored (empty: the
 * recipient's) or, for new quiet hours, the browser's, so that 22:00 on the
 * page is 22:00 on the user's clock even when the recipient record has no
 * zone (which would mean UTC).
 * A message for the user instead when the times do not make a window.
 */
export function quietHoursPatch(
  on: boolean,
  start: string,
  end: string,
  current: QuietHours | undefined,
  zone = browserZone(),
): Patch | string {
  if (!on) return { clearQuietHours: true };
  const from = parseTime(start);
  const to = parseTime(end);
  if (from === null || to === null) return "Set a start and an end time for quiet hours.";
  if (from.hour === to.hour && from.minute === to.minute) return "Quiet hours need different start and end times.";
  return {
    quietHours: {
      window: { start: from, end: to },
      channels: current?.channels ?? [],
      timezone: current === undefined ? zone : current.timezone,
    },
  };
}

function zoneHint(stored: QuietHours | undefined): string {
  const zone = stored === undefined ? browserZone() : stored.timezone;
  return zone === "" ? "Times are in your profile’s time zone." : `Times are in ${zone}.`;
}

// Static markup only: no data is ever put into it. Not a <form>: the page's
// other form (add a category) stays the only one.
const markup = `
<h3 id="quiet-title">Quiet hours</h3>
<p class="hint">Nothing that makes a sound between these times; in-app notifications still arrive, silently.</p>
<div class="quiet-row">
  <label><input type="checkbox" name="enabled"> On</label>
  <label>From <input type="time" name="start" required></label>
  <label>to <input type="time" name="end" required></label>
  <button type="button" class="save">Save quiet hours</button>
</div>
<p class="hint zone"></p>`;

export interface QuietHoursSection {
  element: HTMLElement;
  /** Shows the stored quiet hours (undefined: none), unless the user is editing. */
  show(current: QuietHours | undefined): void;
}

/**
 * The "Quiet hours" part of <herald-preferences>: on/off and a daily window,
 * saved with the Save button (both times belong together, so not on each
 * change). `save` sends the patch; `message` reports what is wrong.
 */
export function createQuietHoursSection(save: (patch: Patch) => void, message: (text: string) => void) {
  const element = h("section", { class: "quiet", attrs: { "aria-labelledby": "quiet-title" } });
  const template = document.createElement("template");
  template.innerHTML = markup;
  element.append(template.content);
  const input = (name: string) => element.querySelector(`input[name="${name}"]`) as HTMLInputElement;
  const [enabled, start, end] = [input("enabled"), input("start"), input("end")];
  let current: QuietHours | undefined;
  let editing = false;

  const syncDisabled = () => {
    start.disabled = !enabled.checked;
    end.disabled = !enabled.checked;
  };
  for (const el of [enabled, start, end]) {
    el.addEventListener("input", () => {
      editing = true;
      syncDisabled();
    });
  }
  (element.querySelector(".save") as HTMLButtonElement).addEventListener("click", () => {
    const patch = quietHoursPatch(enabled.checked, start.value, end.value, current);
    if (typeof patch === "string") return message(patch);
    editing = false;
    save(patch);
  });

  return {
    element,
    show(stored: QuietHours | undefined): void {
      current = stored;
      if (editing) return;
      enabled.checked = stored !== undefined;
      start.value = timeValue(stored?.window?.start, defaults.start);
      end.value = timeValue(stored?.window?.end, defaults.end);
      (element.querySelector(".zone") as HTMLElement).textContent = zoneHint(stored);
      syncDisabled();
    },
  } satisfies QuietHoursSection;
}
