import type { JsonObject } from "../domain/notification.js";

/** The value at a dotted path (`project.id`) in a notification's data; undefined when absent. */
export function valueAt(data: JsonObject | null, path: string): unknown {
  let value: unknown = data ?? undefined;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    value = (value as JsonObject)[part];
  }
  return value;
}

/** A grouping key from a data value: strings as they are, other values as JSON; "" when absent. */
export function keyAt(data: JsonObject | null, path: string): string {
  const value = valueAt(data, path);
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * A time from a data value: an RFC 3339 string or seconds since the epoch.
 * Null when absent or not a time.
 */
export function timeAt(data: JsonObject | null, path: string): Date | null {
  const value = valueAt(data, path);
  let time: Date | null = null;
  if (typeof value === "number" && Number.isFinite(value)) time = new Date(value * 1000);
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value)) time = new Date(value);
  return time !== null && !Number.isNaN(time.getTime()) ? time : null;
}
