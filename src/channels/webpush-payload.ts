import type { Notification } from "../domain/notification.js";

/**
 * Most bytes of plaintext one push message carries: push services take 4096
 * bytes of body (RFC 8030 section 7.2), and aes128gcm spends 86 on its header,
 * 16 on the tag and 1 on the padding delimiter (RFC 8291 section 4).
 */
export const MAX_PAYLOAD_BYTES = 4096 - 86 - 16 - 1;

/**
 * What the service worker receives (the `push` event's `event.data.json()`),
 * documented in the README: snake_case as the contract's JSON.
 */
export interface WebPushPayload {
  notification_id: string;
  title: string;
  body: string;
  /** "" for none. */
  action_url: string;
  category: string;
  priority: string;
}

/**
 * The payload as JSON, within MAX_PAYLOAD_BYTES: when it would not fit, the
 * body (then the title) is cut, by whole characters, and ends with "…", so a
 * long message still arrives rather than failing every time.
 */
export function webPushPayload(n: Notification, content: { title: string; body: string }): string {
  const payload: WebPushPayload = {
    notification_id: n.id,
    title: content.title,
    body: content.body,
    action_url: n.actionUrl,
    category: n.category,
    priority: n.priority,
  };
  const fits = (p: WebPushPayload) => Buffer.byteLength(JSON.stringify(p)) <= MAX_PAYLOAD_BYTES;
  if (fits(payload)) return JSON.stringify(payload);
  const body = cutToFit([...content.body], (text) => fits({ ...payload, body: text }));
  if (body !== null) return JSON.stringify({ ...payload, body });
  const title = cutToFit([...content.title], (text) => fits({ ...payload, body: "", title: text }));
  return JSON.stringify({ ...payload, body: "", title: title ?? "" });
}

/** The longest prefix (in code points) plus "…" that `fits`, found by bisection; null when even "" does not. */
function cutToFit(chars: string[], fits: (text: string) => boolean): string | null {
  const cut = (n: number) => (n === 0 ? "" : `${chars.slice(0, n).join("")}…`);
  if (!fits("")) return null;
  let low = 0;
  let high = chars.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(cut(mid))) low = mid;
    else high = mid - 1;
  }
  return cut(low);
}
