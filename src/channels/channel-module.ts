import type { EnvReader } from "../config/env.js";
import type { Channel, ContentSpec, DeviceProblem, TargetSource } from "../domain/channel.js";
import type { Deliverer } from "../domain/deliverer.js";
import { PermanentDeliveryError } from "../domain/delivery-errors.js";
import type { DeviceRegistration, Platform } from "../domain/recipient.js";
import type { TenantSettings } from "../domain/tenant-settings.js";
import type { Queryable } from "../store/database.js";
import type { WebhookEndpointStore } from "../store/webhook-endpoint-store.js";
import type { Provider } from "./failover.js";

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
  /**
   * One deliverer over several providers, tried in this order within an
   * attempt, each with a circuit breaker (channels/failover.ts); the provider
   * that answered is recorded on the attempt.
   */
  failover(providers: readonly Provider[]): Deliverer;
  /**
   * A tenant's settings (cheap, no query; undefined for an unknown tenant):
   * its own providers and email layout, applied per delivery. Absent: every
   * tenant gets the deployment's.
   */
  tenantSettings?(tenantId: string): TenantSettings | undefined;
  /** Told when Herald disabled an endpoint on its own account (410 Gone, or failing too long): a log and a metric. */
  onEndpointDisabled?(event: EndpointDisabled): void;
  /** Told of a failure of a deliverer's own bookkeeping that must not fail the delivery (logged). */
  onBookkeepingError?(error: unknown): void;
}

/** An endpoint Herald disabled. */
export interface EndpointDisabled {
  tenantId: string;
  endpointId: string;
  /** gone: it answered 410; failing: every attempt failed since failingSince for the configured period. */
  reason: "gone" | "failing";
  failingSince: Date | null;
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
  /** For `devices` targets: the platforms whose devices it sends to (absent: every device). */
  devicePlatforms?: readonly Platform[];
  /** For `devices` targets: what is wrong with a device registered for it (RegisterDevice's field and why), or null. */
  checkDevice?(device: DeviceRegistration, egress: Egress): DeviceProblem | null;
  /** Reads its configuration section; null turns the channel off on this server. */
  readSettings(env: EnvReader): Settings | null;
  /** Its deliverer; in-app has none (its delivery is a write, made by the delivery use case). */
  createDeliverer?(settings: Settings, deps: ChannelDeps): Deliverer;
}

/** Declares a module, keeping its settings type (the registry holds modules of any settings). */
export function channelModule<Settings>(module: ChannelModule<Settings>): ChannelModule<Settings> {
  return module;
}

/**
 * A deliverer for `address` targets that refuses at once, before any provider,
 * when the recipient has no address on the channel (`missing` says so in the
 * channel's words: "the recipient has no email address").
 */
export function requireAddress(missing: string, deliverer: Deliverer): Deliverer {
  return {
    ...deliverer,
    deliver: (job, signal) =>
      job.address === "" ? Promise.reject(new PermanentDeliveryError(missing)) : deliverer.deliver(job, signal),
  };
}

/** Most providers a channel may list: its variables, then the same with `_2` ... `_5`. */
export const maxProviders = 5;

/**
 * Reads a channel's providers in priority order: `read("")` for the first
 * (SMTP_URL), then `read("_2")` ... (SMTP_URL_2), each null when its variables
 * are unset. Null when the first is unset (the channel is off); a later one
 * without the first is a problem named by `firstVariable`.
 */
export function readProviders<P>(
  env: EnvReader,
  firstVariable: string,
  read: (suffix: string) => P | null,
): P[] | null {
  const found = Array.from({ length: maxProviders }, (_, i) => ({
    suffix: i === 0 ? "" : `_${i + 1}`,
    p: read(i === 0 ? "" : `_${i + 1}`),
  }));
  const [first, ...rest] = found;
  if (first?.p === null || first === undefined) {
    for (const r of rest)
      if (r.p !== null) env.problems.push(`${firstVariable}${r.suffix} is set but ${firstVariable} is not`);
    return null;
  }
  return found.flatMap((f) => (f.p === null ? [] : [f.p]));
}

/** Names providers apart: the same name twice gets `#2`, `#3` (two accounts on one host). */
export function distinctNames(names: readonly string[]): string[] {
  return names.map((name, i) => {
    const before = names.slice(0, i).filter((n) => n === name).length;
    return before === 0 ? name : `${name}#${before + 1}`;
  });
}
