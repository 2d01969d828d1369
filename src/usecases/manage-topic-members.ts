import { InvalidArgumentError, NotFoundError, PermissionDeniedError } from "../domain/errors.js";
import type { Principal } from "../domain/principal.js";
import { type Topic, type TopicSubscriber, topicKeyPattern, userIdPattern } from "../domain/topic.js";
import type { Database, Queryable } from "../store/database.js";
import { type MembershipChange, topicMemberStore } from "../store/topic-member-store.js";
import { topicStore } from "../store/topic-store.js";
import { requireScope, resolveUserId } from "./access.js";
import { type Page, readPage } from "./topic-pages.js";

/** What joining, leaving and listing members needs. */
export interface ManageTopicMembersDeps {
  db: Database;
  /** Most members of one topic (TOPIC_MAX_SUBSCRIBERS). */
  maxSubscribers: number;
}

type Action = "add" | "remove";

/**
 * Who is in which topic. An admin key adds and removes anyone; a user token
 * only itself, and only on a self-service topic (so an app can offer "follow
 * this project" without a backend call). Read keys list members.
 */
export function createManageTopicMembers(deps: ManageTopicMembersDeps) {
  const notFound = (key: string) => new NotFoundError(`topic "${key}" not found`);

  /**
   * The users a change names: for an API key or operator with `admin`, the
   * request's (at least one); for a user token, itself. The user token's topic
   * must be self-service, checked in `tx` before the change.
   */
  const changeTargets = (principal: Principal, userIds: readonly string[], action: Action): readonly string[] => {
    const verb = action === "add" ? "add" : "remove";
    if (principal.kind === "user") {
      if (userIds.length > 1 || (userIds.length === 1 && userIds[0] !== principal.userId)) {
        throw new PermissionDeniedError(
          `a user token may only ${verb} its own user; leave user_ids empty or name only "${principal.userId}"`,
        );
      }
      return [principal.userId];
    }
    requireScope(principal, "admin", `${verb} topic subscribers`);
    if (userIds.length === 0) {
      throw new InvalidArgumentError("user_ids", "is required when calling with an API key: name 1 to 10,000 users");
    }
    return userIds;
  };

  const checkSelfService = async (tx: Queryable, principal: Principal, key: string, action: Action) => {
    if (principal.kind !== "user") return;
    const topic = await topicStore.get(tx, principal.tenantId, key);
    if (topic === null) throw notFound(key);
    if (!topic.selfService) {
      throw new PermissionDeniedError(
        `topic "${key}" is not self-service: users may not ${action === "add" ? "join" : "leave"} it ` +
          "themselves; an admin API key manages its members",
      );
    }
  };

  const change = async (
    principal: Principal,
    key: string,
    userIds: readonly string[],
    action: Action,
  ): Promise<MembershipChange> => {
    const targets = changeTargets(principal, userIds, action);
    const result = await deps.db.transaction(async (tx) => {
      await checkSelfService(tx, principal, key, action);
      return action === "add"
        ? topicMemberStore.add(tx, principal.tenantId, key, targets, { maxSubscribers: deps.maxSubscribers })
        : topicMemberStore.remove(tx, principal.tenantId, key, targets);
    });
    if (result === null) throw notFound(key);
    return result;
  };

  return {
    /** Adds users, all or nothing; members already in are not counted. */
    add: (principal: Principal, key: string, userIds: readonly string[]) => change(principal, key, userIds, "add"),

    /** Removes users; users not in the topic are not counted. */
    remove: (principal: Principal, key: string, userIds: readonly string[]) =>
      change(principal, key, userIds, "remove"),

    /** A topic's members in user id order (read keys). */
    async list(
      principal: Principal,
      key: string,
      request: { pageSize: number; pageToken: string },
    ): Promise<Page<TopicSubscriber>> {
      requireScope(principal, "read", "list a topic's subscribers");
      if ((await topicStore.get(deps.db, principal.tenantId, key)) === null) throw notFound(key);
      return readPage(
        request,
        { filters: { topic: key }, position: userIdPattern, rpc: "ListSubscribers", of: (s) => s.userId },
        (after, limit) => topicMemberStore.list(deps.db, principal.tenantId, key, after, limit),
      );
    },

    /** The topics a user is in, by key; a user token reads its own. */
    async ofUser(
      principal: Principal,
      userId: string,
      request: { pageSize: number; pageToken: string },
    ): Promise<Page<Topic>> {
      const user = resolveUserId(principal, userId, "read", "list a user's topics");
      return readPage(
        request,
        { filters: { user }, position: topicKeyPattern, rpc: "ListUserTopics", of: (t) => t.key },
        (after, limit) => topicStore.ofUser(deps.db, principal.tenantId, user, { after, limit }),
      );
    },
  };
}
