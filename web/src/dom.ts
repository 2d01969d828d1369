/**
 * Small DOM helpers. Text from notifications only ever reaches the page through
 * `textContent` (the `text` option here), never as markup, so a title such as
 * `<img onerror=...>` shows as the characters it is.
 */
export interface ElementProps {
  class?: string;
  text?: string;
  attrs?: Record<string, string>;
}

/** Creates an element with a class, text content, attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: Node[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class !== undefined) el.className = props.class;
  if (props.text !== undefined) el.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) el.setAttribute(name, value);
  el.append(...children);
  return el;
}

/**
 * Gives a shadow root its styles. Constructed style sheets are not inline
 * styles, so they work on pages whose Content-Security-Policy forbids
 * `style-src 'unsafe-inline'`; older browsers get a <style> element.
 */
export function adoptStyles(root: ShadowRoot, css: string): void {
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet.prototype.replaceSync === "function") {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.append(h("style", { text: css }));
  }
}

/** Reflects a string attribute: absent reads as "". */
export function stringAttribute(el: HTMLElement, name: string, value: string): void {
  if (value === "") el.removeAttribute(name);
  else el.setAttribute(name, value);
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const steps: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["second", 60],
  ["minute", 60],
  ["hour", 24],
  ["day", 7],
  ["week", 4.35],
  ["month", 12],
  ["year", Number.POSITIVE_INFINITY],
];

/** "5 minutes ago", "yesterday"... for a time in the past. */
export function timeAgo(ms: number, now = Date.now()): string {
  let amount = Math.round((ms - now) / 1000);
  for (const [unit, size] of steps) {
    if (Math.abs(amount) < size) return relative.format(amount, unit);
    amount = Math.round(amount / size);
  }
  return relative.format(amount, "year");
}

/**
 * The URL a link may lead to, or null: absolute http(s) URLs, or paths
 * resolved on the page's own origin. Never `javascript:`, `data:` or others.
 */
export function safeUrl(raw: string): string | null {
  if (raw === "") return null;
  try {
    const url = new URL(raw, location.href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null; // not a URL at all
  }
}
