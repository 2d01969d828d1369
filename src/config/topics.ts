import type { EnvReader } from "./env.js";

/** Bounds of topics (TopicService) and how long removed memberships are kept for fan-outs. */
export interface TopicsConfig {
  /** Most topics of one tenant at once (TOPICS_MAX); CreateTopic past it is RESOURCE_EXHAUSTED. */
  topicsMax: number;
  /** Most members of one topic (TOPIC_MAX_SUBSCRIBERS); an AddSubscribers past it adds nothing. */
  topicMaxSubscribers: number;
  /**
   * How long a removed membership is kept (TOPIC_REMOVALS_RETENTION_HOURS) so
   * that a fan-out started before the removal still reaches the member: the
   * longest a fan-out may take and keep its snapshot exact.
   */
  topicRemovalsRetentionHours: number;
}

export function readTopics(env: EnvReader): TopicsConfig {
  return {
    topicsMax: env.int("TOPICS_MAX", 100_000, 1, 10_000_000),
    topicMaxSubscribers: env.int("TOPIC_MAX_SUBSCRIBERS", 10_000_000, 1, 1_000_000_000),
    topicRemovalsRetentionHours: env.int("TOPIC_REMOVALS_RETENTION_HOURS", 48, 1, 8_760),
  };
}
