import { AlreadyExistsError, NotFoundError } from "../domain/errors.js";
import type { Principal } from "../domain/principal.js";
import { type NewTopic, type Topic, type TopicChange, topicKeyPattern } from "../domain/topic.js";
import type { Database } from "../store/database.js";
import { topicStore } from "../store/topic-store.js";
import { requireScope } from "./access.js";
import { createManageTopicMembers } from "./manage-topic-members.js";
import { type Page, readPage } from "./topic-pages.js";

/** What TopicService is built from. */
export interface ManageTopicsDeps {
  db: Database;
  /** Most topics of one tenant at once (TOPICS_MAX). */
  maxTopics: number;
  /** Most members of one topic (TOPIC_MAX_SUBSCRIBERS). */
  maxSubscribers: number;
}

/**
 * TopicService: the caller's tenant's topics (admin keys change them, read
 * keys read them, users see the self-service ones; keys are unique per
 * tenant, and another tenant's topics are NOT_FOUND) and, through manage-topic-members, who is in them.
 */
export function createManageTopics(deps: ManageTopicsDeps) {
  const admin = (principal: Principal) => requireScope(principal, "admin", "manage topics");
  /** Whether the caller sees only self-service topics (a user token), after checking it may read topics at all. */
  const selfServiceOnly = (principal: Principal): boolean => {
    if (principal.kind === "user") return true;
    requireScope(principal, "read", "read topics");
    return false;
  };
  const notFound = (key: string) => new NotFoundError(`topic "${key}" not found`);

  return {
    async create(principal: Principal, topic: NewTopic): Promise<Topic> {
      admin(principal);
      const created = await deps.db.transaction((tx) =>
        topicStore.create(tx, principal.tenantId, topic, { maxTopics: deps.maxTopics }),
      );
      if (created === null) throw new AlreadyExistsError(`key: topic "${topic.key}" already exists`);
      return created;
    },

    /** A user token gets only self-service topics; others are NOT_FOUND to it, so keys cannot be probed. */
    async get(principal: Principal, key: string): Promise<Topic> {
      const onlySelfService = selfServiceOnly(principal);
      const topic = await topicStore.get(deps.db, principal.tenantId, key);
      if (topic === null || (onlySelfService && !topic.selfService)) throw notFound(key);
      return topic;
    },

    async update(principal: Principal, key: string, change: TopicChange): Promise<Topic> {
      admin(principal);
      const updated = await topicStore.update(deps.db, principal.tenantId, key, change);
      if (updated === null) throw notFound(key);
      return updated;
    },

    /** Topics by key; a user token's pages hold only self-service topics. */
    async list(principal: Principal, request: { pageSize: number; pageToken: string }): Promise<Page<Topic>> {
      const onlySelfService = selfServiceOnly(principal);
      return readPage(
        request,
        {
          filters: { selfServiceOnly: onlySelfService },
          position: topicKeyPattern,
          rpc: "ListTopics",
          of: (t) => t.key,
        },
        (after, limit) =>
          topicStore.list(deps.db, principal.tenantId, { after, limit, selfServiceOnly: onlySelfService }),
      );
    },

    /** Deletes the topic and its memberships; fan-outs already started are not affected. */
    async delete(principal: Principal, key: string): Promise<void> {
      admin(principal);
      if (!(await deps.db.transaction((tx) => topicStore.delete(tx, principal.tenantId, key)))) throw notFound(key);
    },

    members: createManageTopicMembers(deps),
  };
}
