import type { Egress } from "./channels/channel-module.js";
import { type ChannelSettings, readChannelSettings, readEgress } from "./channels/registry.js";
import { type AuthConfig, readAuth } from "./config/auth.js";
import { type ConsoleSettings, readConsole } from "./config/console.js";
import { type DeliveryConfig, readDelivery } from "./config/delivery.js";
import { createEnvReader } from "./config/env.js";
import { type EventsConfig, readEvents } from "./config/events.js";
import { type FanoutConfig, readFanout } from "./config/fanout.js";
import { type FeedConfig, readFeed } from "./config/feed.js";
import { type LimitsConfig, readLimits } from "./config/limits.js";
import { type NatsConfig, readNats } from "./config/nats.js";
import { type PostgresConfig, readPostgres } from "./config/postgres.js";
import { readSend, type SendConfig } from "./config/send.js";
import { readServer, type ServerConfig } from "./config/server.js";
import { readTelemetry, type TelemetryConfig } from "./config/telemetry.js";
import { readTemplates, type TemplatesConfig } from "./config/templates.js";
import { readTopics, type TopicsConfig } from "./config/topics.js";
import { readWorkflows, type WorkflowsConfig } from "./config/workflows.js";

export { ConfigError, parseDuration } from "./config/env.js";
export type { RateLimitSetting } from "./config/limits.js";

/**
 * Herald's configuration, in sections: each is the options type of the wing
 * that takes it, and each channel's section comes from the channel's own
 * module (channels/registry.ts). The README's configuration table documents
 * every variable.
 */
export interface Config {
  server: ServerConfig;
  postgres: PostgresConfig;
  nats: NatsConfig;
  auth: AuthConfig;
  limits: LimitsConfig;
  feed: FeedConfig;
  /** The event log and WatchEvents. */
  events: EventsConfig;
  send: SendConfig;
  delivery: DeliveryConfig;
  templates: TemplatesConfig;
  workflows: WorkflowsConfig;
  topics: TopicsConfig;
  fanout: FanoutConfig;
  telemetry: TelemetryConfig;
  /** The operator console at `/console`. */
  console: ConsoleSettings;
  egress: Egress;
  /** Each channel's section; null for channels this server does not offer. */
  channels: ChannelSettings;
}

type Env = Record<string, string | undefined>;

/**
 * The only reader of `process.env` for the server: every variable is parsed
 * and checked here, once, at start; a bad value stops the process with a
 * ConfigError listing every problem, each naming its variable.
 */
export function loadConfig(env: Env = process.env): Config {
  const reader = createEnvReader(env);
  const postgres = readPostgres(reader);
  const config: Config = {
    server: readServer(reader),
    postgres,
    nats: readNats(reader),
    auth: readAuth(reader),
    limits: readLimits(reader),
    feed: readFeed(reader, postgres.poolMax),
    events: readEvents(reader),
    send: readSend(reader, postgres.poolMax),
    delivery: readDelivery(reader),
    templates: readTemplates(reader),
    workflows: readWorkflows(reader, postgres.poolMax),
    topics: readTopics(reader),
    fanout: readFanout(reader, postgres.poolMax),
    telemetry: readTelemetry(reader),
    console: readConsole(reader),
    egress: readEgress(reader),
    channels: readChannelSettings(reader),
  };
  reader.check();
  return config;
}
