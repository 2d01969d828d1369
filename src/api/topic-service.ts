import type { ServiceImpl } from "@connectrpc/connect";
import type { TopicService } from "../../gen/ts/herald/v1/topic_service_pb.js";
import { topicSubscriberToPb, topicToPb } from "../contract/topic.js";
import type { UseCases } from "../usecases/index.js";
import { principalOf } from "./principal-context.js";

/** herald.v1.TopicService. */
export function topicService(uc: UseCases): ServiceImpl<typeof TopicService> {
  return {
    async createTopic(req, ctx) {
      const topic = await uc.topics.create(principalOf(ctx), {
        key: req.key,
        name: req.name,
        description: req.description,
        selfService: req.selfService,
      });
      return { topic: topicToPb(topic) };
    },
    async getTopic(req, ctx) {
      return { topic: topicToPb(await uc.topics.get(principalOf(ctx), req.key)) };
    },
    async updateTopic(req, ctx) {
      const topic = await uc.topics.update(principalOf(ctx), req.key, {
        name: req.name,
        description: req.description,
        selfService: req.selfService,
      });
      return { topic: topicToPb(topic) };
    },
    async listTopics(req, ctx) {
      const page = await uc.topics.list(principalOf(ctx), req);
      return { topics: page.items.map(topicToPb), nextPageToken: page.nextPageToken };
    },
    async deleteTopic(req, ctx) {
      await uc.topics.delete(principalOf(ctx), req.key);
      return {};
    },
    async addSubscribers(req, ctx) {
      const change = await uc.topics.members.add(principalOf(ctx), req.topicKey, req.userIds);
      return { addedCount: BigInt(change.changed), subscriberCount: BigInt(change.subscriberCount) };
    },
    async removeSubscribers(req, ctx) {
      const change = await uc.topics.members.remove(principalOf(ctx), req.topicKey, req.userIds);
      return { removedCount: BigInt(change.changed), subscriberCount: BigInt(change.subscriberCount) };
    },
    async listSubscribers(req, ctx) {
      const page = await uc.topics.members.list(principalOf(ctx), req.topicKey, req);
      return { subscribers: page.items.map(topicSubscriberToPb), nextPageToken: page.nextPageToken };
    },
    async listUserTopics(req, ctx) {
      const page = await uc.topics.members.ofUser(principalOf(ctx), req.userId, req);
      return { topics: page.items.map(topicToPb), nextPageToken: page.nextPageToken };
    },
  };
}
