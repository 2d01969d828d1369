// The snooze menu's entries, without any DOM (tested in Node).

/** One entry of the snooze menu. */
export interface SnoozeChoice {
  label: string;
  until: Date;
}

const hourMs = 3_600_000;
const clock = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });

/** The menu's entries, from `now`: in an hour, tomorrow at 9:00 local time, in a week. */
export function snoozeChoices(now = new Date()): SnoozeChoice[] {
  const tomorrowNine = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 9, 0, 0, 0);
  return [
    { label: "1 hour", until: new Date(now.getTime() + hourMs) },
    { label: `Tomorrow, ${clock.format(tomorrowNine)}`, until: tomorrowNine },
    { label: "1 week", until: new Date(now.getTime() + 7 * 24 * hourMs) },
  ];
}
