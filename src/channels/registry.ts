import type { EnvReader } from "../config/env.js";
import type { Channel, ChannelCatalog, ChannelTraits } from "../domain/channel.js";
import type { Deliverers } from "../domain/deliverer.js";
import type { DeviceRegistration } from "../domain/recipient.js";
import type { ChannelDeps, ChannelModule, Egress } from "./channel-module.js";
import { emailChannel } from "./email.js";
import { type CircuitState, createFailover, type FailoverDeliverer, type FailoverPolicy } from "./failover.js";
import { inAppChannel } from "./in-app.js";
import { pushChannel } from "./push.js";
import { slackChannel } from "./slack.js";
import { smsChannel } from "./sms.js";
import { teamsChannel } from "./teams.js";
import { tracedDeliverers } from "./traced-deliverers.js";
import { webhookChannel } from "./webhook.js";
import { webPushChannel } from "./webpush.js";

/**
 * Every channel Herald has, in the order clients show them. Adding a channel is
 * adding its module here (and its id to domain/channel.ts, its value to the
 * contract's Channel enum); nothing else lists channels.
 */
export const channelModules: readonly ChannelModule<unknown>[] = [
  inAppChannel,
  emailChannel,
  smsChannel,
  pushChannel,
  webhookChannel,
  slackChannel,
  teamsChannel,
  webPushChannel,
] as ChannelModule<unknown>[];

/** Each channel's configuration section; null for the channels this server does not offer. */
export type ChannelSettings = Partial<Record<Channel, unknown>>;

/** Reads every channel's section (each module reads its own variables). */
export function readChannelSettings(env: EnvReader): ChannelSettings {
  return Object.fromEntries(channelModules.map((m) => [m.id, m.readSettings(env)]));
}

/** Egress: where Herald's requests may go (WEBHOOK_ALLOW_PRIVATE_NETWORKS, kept under its first name). */
export function readEgress(env: EnvReader): Egress {
  return { allowPrivateNetworks: env.bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", false) };
}

/** The channels a server offers: what they are (for planning and the contract) and their deliverers. */
export interface Channels {
  /** Offered channels, in registry order. */
  available: readonly Channel[];
  catalog: ChannelCatalog;
  /** The deliverers of the offered channels that have one. */
  deliverers: Deliverers;
  /** Every provider's circuit (channels/failover.ts), for metrics. */
  circuits(): CircuitState[];
  close(): void;
}

/** What channels are built with: their dependencies, and how their providers fail over. */
export type ChannelWiring = Omit<ChannelDeps, "failover"> & {
  failover: Omit<FailoverPolicy, "timeoutMs">;
};

/** Builds the offered channels from their settings. */
export function createChannels(settings: ChannelSettings, wiring: ChannelWiring): Channels {
  const offered = channelModules.filter((m) => settings[m.id] !== null && settings[m.id] !== undefined);
  const deliverers: Deliverers = {};
  const failovers: FailoverDeliverer[] = [];
  const { failover: policy, ...shared } = wiring;
  for (const m of offered) {
    const deps: ChannelDeps = {
      ...shared,
      failover: (providers) => {
        const f = createFailover(m.id, providers, { ...policy, timeoutMs: wiring.timeoutMs });
        failovers.push(f);
        return f;
      },
    };
    if (m.createDeliverer !== undefined) deliverers[m.id] = m.createDeliverer(settings[m.id], deps);
  }
  const catalog = new Map<Channel, ChannelTraits>(offered.map((m) => [m.id, traitsOf(m, wiring.egress)]));
  return {
    available: offered.map((m) => m.id),
    catalog,
    deliverers: tracedDeliverers(deliverers),
    circuits: () => failovers.flatMap((f) => f.circuits()),
    close: () => {
      for (const d of Object.values(deliverers)) d?.close?.();
    },
  };
}

function traitsOf(m: ChannelModule<unknown>, egress: Egress): ChannelTraits {
  const { checkEndpointUrl, checkDevice } = m;
  return {
    id: m.id,
    label: m.label,
    targets: m.targets,
    content: m.content,
    ...(m.checkAddress !== undefined && { checkAddress: m.checkAddress }),
    ...(checkEndpointUrl !== undefined && { checkEndpointUrl: (url: string) => checkEndpointUrl(url, egress) }),
    ...(m.devicePlatforms !== undefined && { devicePlatforms: m.devicePlatforms }),
    ...(checkDevice !== undefined && { checkDevice: (device: DeviceRegistration) => checkDevice(device, egress) }),
  };
}
