/**
 * Small DOM helpers for the console. Everything that comes from Herald (titles,
 * bodies, errors, user ids) reaches the page through `textContent` only; the
 * one exception is an email's HTML, shown in a sandboxed frame without scripts.
 */
export interface ElementProps {
  class?: string;
  text?: string;
  attrs?: Record<string, string>;
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (event: HTMLElementEventMap[K]) => void }>;
}

/** Creates an element with a class, text, attributes, listeners and children (strings become text). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class !== undefined) el.className = props.class;
  if (props.text !== undefined) el.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) el.setAttribute(name, value);
  for (const [type, listener] of Object.entries(props.on ?? {})) el.addEventListener(type, listener as EventListener);
  el.append(...children);
  return el;
}

/** A labelled form field: the label's `for` names the control, so screen readers and axe find the pair. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement): HTMLElement {
  if (control.id === "") control.id = `f-${Math.random().toString(36).slice(2, 10)}`;
  return h("div", { class: "field" }, h("label", { text: label, attrs: { for: control.id } }), control);
}
