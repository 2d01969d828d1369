import { Code, ConnectError } from "@connectrpc/connect";
import { Platform } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import type { RecipientClient } from "./herald-client.js";

/**
 * Where browser notifications stand for this user in this browser:
 * `unavailable` (the browser cannot, or the server offers no Web Push),
 * `off`, `on`, or `busy` while a change is under way.
 */
export type WebPushState = "unavailable" | "off" | "on" | "busy";

/** A failure the user can act on, worded for them. */
export class WebPushRefused extends Error {}

/** Service workers, the Push API and notifications: all three are needed. */
export function webPushSupported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

/**
 * Browser notifications for the signed-in user: the browser's push
 * subscription (made through the app's service worker at `workerUrl`) and the
 * Herald device it is registered as. The subscription's endpoint is the
 * device's token, so registering the same subscription again returns the same
 * device: enabling twice never adds a second one.
 */
export class WebPushSwitch {
  readonly #client: RecipientClient;
  readonly #workerUrl: string;
  #publicKey = "";

  constructor(client: RecipientClient, workerUrl: string) {
    this.#client = client;
    this.#workerUrl = new URL(workerUrl, location.href).href;
  }

  /**
   * Whether the server offers Web Push and this browser is subscribed with its
   * key. An existing subscription is registered again (idempotent): the server
   * learns of a subscription the browser renewed, and one registered to
   * another user of this browser (PERMISSION_DENIED) shows as `off`.
   */
  async check(signal: AbortSignal): Promise<WebPushState> {
    if (!webPushSupported()) return "unavailable";
    this.#publicKey = (await this.#client.getWebPushKey({}, { signal })).publicKey;
    if (this.#publicKey === "") return "unavailable";
    const subscription = await this.#existing();
    if (subscription === null) return "off";
    try {
      await this.#register(subscription, signal);
    } catch (err) {
      if (ConnectError.from(err).code === Code.PermissionDenied) return "off";
      // Anything else (offline, a restart): the browser is subscribed; the next load registers again.
    }
    return "on";
  }

  /** Asks for permission, subscribes and registers the subscription. */
  async enable(): Promise<void> {
    const permission = await Notification.requestPermission();
    if (permission === "denied") {
      throw new WebPushRefused(
        "Notifications are blocked for this site. Allow them in your browser's site settings, then try again.",
      );
    }
    if (permission !== "granted") throw new WebPushRefused("Notifications were not allowed.");
    const registration = await activeRegistration(this.#workerUrl);
    let subscription = await registration.pushManager.getSubscription();
    if (subscription !== null && !sameKey(subscription, this.#publicKey)) {
      // Made with an older server key: push services would refuse Herald's messages to it.
      await subscription.unsubscribe();
      subscription = null;
    }
    subscription ??= await subscribe(registration, this.#publicKey);
    try {
      await this.#register(subscription);
    } catch (err) {
      if (ConnectError.from(err).code !== Code.PermissionDenied) throw err;
      // Another user of this browser registered it: replace it with a subscription of this user's own.
      await subscription.unsubscribe();
      await this.#register(await subscribe(registration, this.#publicKey));
    }
  }

  /** Removes the device from Herald, then ends the browser's subscription. */
  async disable(): Promise<void> {
    const subscription = await this.#existing();
    if (subscription === null) return;
    try {
      await this.#client.unregisterDevice({ token: subscription.endpoint });
    } catch (err) {
      if (ConnectError.from(err).code !== Code.NotFound) throw err; // already gone: unsubscribe all the same
    }
    await subscription.unsubscribe();
  }

  /** The subscription of our worker's registration, if it was made with the server's key. */
  async #existing(): Promise<PushSubscription | null> {
    const registrations = await navigator.serviceWorker.getRegistrations();
    const ours = registrations.find((r) => (r.active ?? r.waiting ?? r.installing)?.scriptURL === this.#workerUrl);
    const subscription = (await ours?.pushManager.getSubscription()) ?? null;
    return subscription !== null && sameKey(subscription, this.#publicKey) ? subscription : null;
  }

  async #register(subscription: PushSubscription, signal?: AbortSignal): Promise<void> {
    const json = subscription.toJSON();
    await this.#client.registerDevice(
      {
        platform: Platform.WEB_PUSH,
        webPush: {
          endpoint: subscription.endpoint,
          expirationTime: BigInt(json.expirationTime ?? 0),
          keys: { p256dh: json.keys?.p256dh ?? "", auth: json.keys?.auth ?? "" },
        },
      },
      { signal },
    );
  }
}

/** How long the browser's push service gets to answer a subscribe. */
const subscribeTimeoutMs = 30_000;

async function subscribe(registration: ServiceWorkerRegistration, publicKey: string): Promise<PushSubscription> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Chromium's subscribe waits for its push service, which it cannot reach offline, without an end.
  // Should it answer later, the next page load registers that subscription (see check).
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error("the browser's push service did not answer; check the connection and try again")),
      subscribeTimeoutMs,
    );
  });
  try {
    const subscribing = registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: publicKey });
    return await Promise.race([subscribing, timeout]);
  } catch (err) {
    // Chromium says "Registration failed - permission denied" in a private window, which has no push service.
    throw new WebPushRefused(`This browser could not subscribe to notifications: ${(err as Error).message}.`);
  } finally {
    clearTimeout(timer);
  }
}

/** Registers the worker (again: the same URL returns the same registration) and waits until it is active. */
async function activeRegistration(workerUrl: string): Promise<ServiceWorkerRegistration> {
  let registration: ServiceWorkerRegistration;
  try {
    registration = await navigator.serviceWorker.register(workerUrl);
  } catch (err) {
    throw new WebPushRefused(`The notification service worker could not be installed (${(err as Error).message}).`);
  }
  const worker = registration.installing ?? registration.waiting;
  if (registration.active === null && worker !== null) {
    await new Promise<void>((resolve, reject) => {
      const settle = () => {
        if (worker.state === "activated") resolve();
        if (worker.state === "redundant")
          reject(new WebPushRefused("The notification service worker failed to start."));
      };
      worker.addEventListener("statechange", settle);
      settle(); // it may have got there already
    });
  }
  return registration;
}

/** The subscription was made with this base64url public key. */
function sameKey(subscription: PushSubscription, publicKey: string): boolean {
  const key = subscription.options.applicationServerKey;
  if (key === null) return false;
  const padded = publicKey.replace(/-/g, "+").replace(/_/g, "/");
  const expected = Uint8Array.from(atob(padded + "=".repeat((4 - (padded.length % 4)) % 4)), (c) => c.charCodeAt(0));
  const actual = new Uint8Array(key);
  return actual.length === expected.length && actual.every((byte, i) => byte === expected[i]);
}
