/** A named set of users that a Send can address (TopicService). */
export interface Topic {
  key: string;
  name: string;
  description: string;
  /** Users may join and leave it themselves, and it is listed to them. */
  selfService: boolean;
  subscriberCount: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What CreateTopic takes. */
export type NewTopic = Pick<Topic, "key" | "name" | "description" | "selfService">;

/** What UpdateTopic may change; unset fields stay. */
export type TopicChange = Partial<Pick<Topic, "name" | "description" | "selfService">>;

/** One member of a topic. */
export interface TopicSubscriber {
  userId: string;
  createdAt: Date;
}

/** What a topic key looks like (the contract's rule, for page tokens and checks). */
export const topicKeyPattern = /^[a-z0-9][a-z0-9_.-]{0,127}$/;

/** What a user id looks like (Send's rule). */
export const userIdPattern = /^[!-~]{1,128}$/;
