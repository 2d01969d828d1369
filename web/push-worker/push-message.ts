/**
 * What Herald's `push` message carries (README, "Web Push"), and the rules the
 * service worker applies to it. No DOM or worker globals here, so Node tests
 * can check the rules.
 */
export interface HeraldPush {
  notification_id: string;
  title: string;
  body: string;
  /** "" for none. */
  action_url: string;
  category: string;
  /** low, normal, high or critical. */
  priority: string;
}

/** The notification to show: its title and the options of showNotification(). */
export interface ShownNotification {
  title: string;
  options: { body: string; tag?: string; data: HeraldPush; requireInteraction: boolean };
}

const fallbackTitle = "New notification";

/**
 * Reads a push message's text. A message that is not Herald's JSON (a push
 * sent by something else, or a cut one) is still shown, as its text, because
 * a push with `userVisibleOnly` must show a notification.
 */
export function parsePush(text: string | null | undefined): HeraldPush {
  const empty: HeraldPush = {
    notification_id: "",
    title: fallbackTitle,
    body: "",
    action_url: "",
    category: "",
    priority: "",
  };
  if (text === null || text === undefined || text === "") return empty;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ...empty, body: text };
  }
  if (typeof value !== "object" || value === null) return { ...empty, body: text };
  const field = (name: keyof HeraldPush) => {
    const v = (value as Record<string, unknown>)[name];
    return typeof v === "string" ? v : "";
  };
  return {
    notification_id: field("notification_id"),
    title: field("title") || fallbackTitle,
    body: field("body"),
    action_url: field("action_url"),
    category: field("category"),
    priority: field("priority"),
  };
}

/**
 * The notification for a push. The notification id is the tag, so a message
 * the push service delivers twice replaces itself instead of showing twice;
 * critical ones stay on screen until the user acts.
 */
export function notificationFor(push: HeraldPush): ShownNotification {
  return {
    title: push.title,
    options: {
      body: push.body,
      ...(push.notification_id === "" ? {} : { tag: push.notification_id }),
      data: push,
      requireInteraction: push.priority === "critical",
    },
  };
}

/**
 * Where a click on the notification leads: its action_url resolved against the
 * worker's scope (so a path stays on the app's origin), only when that is an
 * http(s) URL; null for none (no action_url, or `javascript:`, `data:` and the
 * like, which are never opened).
 */
export function clickTarget(actionUrl: unknown, scope: string): string | null {
  if (typeof actionUrl !== "string" || actionUrl === "") return null;
  let url: URL;
  try {
    url = new URL(actionUrl, scope);
  } catch {
    return null;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
}
