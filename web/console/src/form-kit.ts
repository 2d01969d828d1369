/**
 * DOM pieces the management pages share: inline errors tied to the control
 * they are about, buttons, and tables that scroll sideways on a phone.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { h } from "./dom.js";

/** True when the error is Connect's NOT_FOUND. */
export function isNotFound(err: unknown): boolean {
  return err instanceof ConnectError && err.code === Code.NotFound;
}

let nextId = 0;
/** A document-unique id for elements that others point at (aria-describedby). */
export function uniqueId(prefix: string): string {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

export interface ErrorSlot {
  /** The form-level message, announced when it changes. Put it next to the form. */
  element: HTMLElement;
  /** Shows `message`; when `control` is given, also next to it, marked aria-invalid and described by it. */
  show(message: string, control?: HTMLElement | null): void;
  clear(): void;
}

/**
 * A form's error message. The form-level line is role="alert" so screen
 * readers hear it at once; the copy next to the control is what that control
 * is described by, so moving to it reads the reason again.
 */
export function errorSlot(): ErrorSlot {
  const element = h("p", { class: "error form-error", attrs: { role: "alert" } });
  element.hidden = true;
  const marked: Array<{ control: HTMLElement; note: HTMLElement }> = [];
  const clear = () => {
    element.textContent = "";
    element.hidden = true;
    for (const { control, note } of marked.splice(0)) {
      control.removeAttribute("aria-invalid");
      const others = (control.getAttribute("aria-describedby") ?? "").split(" ").filter((id) => id !== note.id);
      if (others.length === 0) control.removeAttribute("aria-describedby");
      else control.setAttribute("aria-describedby", others.join(" "));
      note.remove();
    }
  };
  return {
    element,
    clear,
    show(message, control) {
      clear();
      element.textContent = message;
      element.hidden = false;
      if (control === undefined || control === null) return;
      const note = h("p", { class: "error form-error field-error", text: message, attrs: { id: uniqueId("err") } });
      control.insertAdjacentElement("afterend", note);
      control.setAttribute("aria-invalid", "true");
      const described = control.getAttribute("aria-describedby");
      control.setAttribute("aria-describedby", described ? `${described} ${note.id}` : note.id);
      marked.push({ control, note });
    },
  };
}

/** A button that is not a form submit unless asked, with a click handler. */
export function button(
  text: string,
  onClick: (event: MouseEvent) => void,
  props: { class?: string; attrs?: Record<string, string> } = {},
): HTMLButtonElement {
  return h("button", {
    class: props.class ?? "",
    text,
    attrs: { type: "button", ...props.attrs },
    on: { click: onClick },
  });
}

/** A table row of cells; strings become text. */
export function row(...cells: Array<Node | string>): HTMLTableRowElement {
  return h("tr", {}, ...cells.map((c) => h("td", {}, c)));
}

/** A text input with a name, for forms. */
export function textInput(name: string, value = "", attrs: Record<string, string> = {}): HTMLInputElement {
  const input = h("input", { attrs: { type: "text", name, autocomplete: "off", spellcheck: "false", ...attrs } });
  input.value = value;
  return input;
}

/** A textarea with a name, rows and initial value. */
export function textArea(name: string, value: string, rows = 4): HTMLTextAreaElement {
  const area = h("textarea", { attrs: { name, rows: String(rows), spellcheck: "false" } });
  area.value = value;
  return area;
}
