import type { EnvReader } from "../config/env.js";
import type { Channel, ContentSpec, TargetSource } from "../domain/channel.js";
import type { Deliverer } from "../domain/deliverer.js";
import type { Queryable } from "../store/database.js";
import type { WebhookEndpointStore } from "../store/webhook-endpoint-store.js";

/** Where Herald may send to: the guard against reaching its own network (network-guard.ts). */
export interface Egress {
  /** Let endpoints be on loopback, private and other special-purpose addresses, and plain http. */
  allowPrivateNetworks: boolean;
}

/** What a channel's deliverer may use besides its own settings. */
export interface ChannelDeps {
  /** The pool, for what a deliverer reads or changes (devices, endpoints). */
  db: Queryable;
  endpoints: WebhookEndpointStore;
  egress: Egress;
  /** Longest a provider call may take (DELIVERY_TIMEOUT_MS). */
  timeoutMs: number;
}

/**
 * A channel, whole: its id (the contract calls it `CHANNEL_<ID>`), where its
 * deliveries go, what it says, its configuration section and the deliverer
 * that calls its provider. channels/registry.ts lists the modules; planning,
 * configuration, preferences, templates, the contract and the web all read
 * what they need of a channel from here.
 */
export interface ChannelModule<Settings = unknown> {
  id: Channel;
  /** How people call it (the preference page, messages). */
  label: string;
  targets: readonly TargetSource[];
  /** What it says; null for channels that carry the notification itself (webhooks). */
  content: ContentSpec | null;
  /** For `address` targets: what is wrong with an address, or null. */
  checkAddress?(address: string): string | null;
  /** For `endpoints` targets: what is wrong with an endpoint URL, or null. */
  checkEndpointUrl?(url: string, egress: Egress): string | null;
  /** Reads its configuration section; null turns the channel off on this server. */
  readSettings(env: EnvReader): Settings | null;
  /** Its deliverer; in-app has none (its delivery is a write, made by the delivery use case). */
  createDeliverer?(settings: Settings, deps: ChannelDeps): Deliverer;
}

/** Declares a module, keeping its settings type (the registry holds modules of any settings). */
export function channelModule<Settings>(module: ChannelModule<Settings>): ChannelModule<Settings> {
  return module;
}
