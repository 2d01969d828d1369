import { ConnectError } from "@connectrpc/connect";
import type { RecipientClient } from "./herald-client.js";
import { WebPushRefused, type WebPushState, WebPushSwitch, webPushSupported } from "./web-push-switch.js";

/** What the inbox shows of browser notifications. */
export interface PushControl {
  state: WebPushState;
  /** A failure to show the user; "" for none. */
  message: string;
}

/**
 * The inbox's "Enable browser notifications" button, as data: the state it
 * shows and what a click does. Each start (a new token, server or worker URL)
 * drops what an earlier one was still doing.
 */
export class InboxPush {
  readonly #render: (control: PushControl) => void;
  readonly #onError: (error: ConnectError) => void;
  #switch: WebPushSwitch | null = null;
  #abort = new AbortController();
  #control: PushControl = { state: "unavailable", message: "" };

  constructor(render: (control: PushControl) => void, onError: (error: ConnectError) => void) {
    this.#render = render;
    this.#onError = onError;
  }

  get state(): WebPushState {
    return this.#control.state;
  }

  /** Offers the button when the page named a worker, the browser can and the server does. */
  start(client: RecipientClient | null, workerUrl: string): void {
    this.stop();
    if (client === null || workerUrl === "" || !webPushSupported()) return;
    const pushSwitch = new WebPushSwitch(client, workerUrl);
    const signal = this.#abort.signal;
    this.#switch = pushSwitch;
    pushSwitch.check(signal).then(
      (state) => signal.aborted || this.#show({ state, message: "" }),
      // No key, no button (an older Herald, a network failure the feed reports anyway).
      () => signal.aborted || this.#show({ state: "unavailable", message: "" }),
    );
  }

  stop(): void {
    this.#abort.abort();
    this.#abort = new AbortController();
    this.#switch = null;
    this.#show({ state: "unavailable", message: "" });
  }

  /** The button's click: enables when off, disables when on. */
  async toggle(): Promise<void> {
    const pushSwitch = this.#switch;
    const from = this.#control.state;
    if (pushSwitch === null || (from !== "on" && from !== "off")) return;
    const signal = this.#abort.signal;
    this.#show({ state: "busy", message: "" });
    try {
      if (from === "off") await pushSwitch.enable();
      else await pushSwitch.disable();
      if (!signal.aborted) this.#show({ state: from === "off" ? "on" : "off", message: "" });
    } catch (err) {
      if (!signal.aborted) this.#fail(err, from);
    }
  }

  /** Back to the state before the click, saying why. */
  #fail(err: unknown, state: "on" | "off"): void {
    if (err instanceof ConnectError) this.#onError(err);
    const reason = err instanceof ConnectError ? err.rawMessage : errorText(err);
    const what = state === "off" ? "enable" : "disable";
    this.#show({
      state,
      message: err instanceof WebPushRefused ? reason : `Could not ${what} browser notifications: ${reason}`,
    });
  }

  #show(control: PushControl): void {
    this.#control = control;
    this.#render(control);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
