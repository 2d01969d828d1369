import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type Topic as TopicPb,
  TopicSchema,
  type TopicSubscriber as TopicSubscriberPb,
  TopicSubscriberSchema,
} from "../../gen/ts/herald/v1/topic_service_pb.js";
import type { Topic, TopicSubscriber } from "../domain/topic.js";

export function topicToPb(t: Topic): TopicPb {
  return create(TopicSchema, {
    key: t.key,
    name: t.name,
    description: t.description,
    selfService: t.selfService,
    subscriberCount: BigInt(t.subscriberCount),
    createTime: timestampFromDate(t.createdAt),
    updateTime: timestampFromDate(t.updatedAt),
  });
}

export function topicSubscriberToPb(s: TopicSubscriber): TopicSubscriberPb {
  return create(TopicSubscriberSchema, { userId: s.userId, createTime: timestampFromDate(s.createdAt) });
}
