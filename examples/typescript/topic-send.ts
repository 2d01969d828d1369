// Sends one notification to every member of a topic, from Node with a
// connect-es client over the Connect protocol (HTTP/1.1):
//
// 1. creates the topic (ALREADY_EXISTS on a re-run is fine: it is reused);
// 2. adds `--members` users (<prefix>-0, <prefix>-1, ...) in calls of
//    `--batch-size` (AddSubscribers takes up to 10,000 ids per call);
// 3. sends to the topic, leaving out the member whose action caused it (the
//    "actor", <prefix>-0). Send returns a fan-out id at once, with no
//    notifications: workers write them in chunks;
// 4. polls GetFanout until it is DONE, and prints planned/written;
// 5. lists one member's inbox, which now holds the notification.
//
// The key needs the admin scope (topics are managed with it; it may also send
// and read). Run against `npm start`:
//
//   HERALD_URL=http://127.0.0.1:8080 HERALD_ADMIN_KEY=hk_... npx tsx examples/typescript/topic-send.ts --members 2500
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { type Fanout, FanoutState, NotificationService } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { TopicService } from "../../gen/ts/herald/v1/topic_service_pb.js";

const { values } = parseArgs({
  options: {
    topic: { type: "string", default: "example.project.followers" },
    "user-prefix": { type: "string", default: "demo-user" },
    members: { type: "string", default: "2500" },
    "batch-size": { type: "string", default: "1000" },
    "timeout-seconds": { type: "string", default: "120" },
  },
});
const baseUrl = process.env.HERALD_URL ?? "http://127.0.0.1:8080";
const apiKey = process.env.HERALD_ADMIN_KEY;
if (!apiKey) throw new Error("set HERALD_ADMIN_KEY to an API key with the admin scope");
const members = Number(values.members);
const batchSize = Number(values["batch-size"]);
const timeoutMs = Number(values["timeout-seconds"]) * 1000;
if (!Number.isInteger(members) || members < 2) throw new Error("--members must be a whole number, at least 2");
if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new Error("--batch-size: 1 to 10000");
if (!(timeoutMs > 0)) throw new Error("--timeout-seconds must be positive");

const prefix = values["user-prefix"];
const topicKey = values.topic;
const actor = `${prefix}-0`; // the member whose action the notification is about
const reader = `${prefix}-1`; // the member whose inbox is shown at the end

const bearer: Interceptor = (next) => (req) => {
  req.header.set("Authorization", `Bearer ${apiKey}`);
  return next(req);
};
const transport = createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: [bearer] });
const topics = createClient(TopicService, transport);
const herald = createClient(NotificationService, transport);

const print = (record: Record<string, unknown>) => console.log(JSON.stringify(record));

/** Creates the topic; one that exists already (a re-run) is used as it is. */
async function ensureTopic(): Promise<boolean> {
  try {
    await topics.createTopic({ key: topicKey, name: "Followers of the example project" });
    return true;
  } catch (error) {
    if (ConnectError.from(error).code === Code.AlreadyExists) return false;
    throw error;
  }
}

/** Adds <prefix>-0 ... <prefix>-(members-1), batchSize per call. Members already in are no error. */
async function addMembers(): Promise<{ added: number; subscriberCount: number; calls: number }> {
  let added = 0;
  let subscriberCount = 0;
  let calls = 0;
  for (let start = 0; start < members; start += batchSize) {
    const userIds = Array.from({ length: Math.min(batchSize, members - start) }, (_, i) => `${prefix}-${start + i}`);
    // Each call is all or nothing, so a failed one can simply be made again.
    const res = await topics.addSubscribers({ topicKey, userIds });
    added += Number(res.addedCount);
    subscriberCount = Number(res.subscriberCount);
    calls++;
  }
  return { added, subscriberCount, calls };
}

/** Polls GetFanout until the fan-out has finished (DONE or CANCELED). */
async function waitForFanout(id: string): Promise<Fanout> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { fanout } = await herald.getFanout({ id });
    if (fanout === undefined) throw new Error(`GetFanout returned no fan-out for ${id}`);
    console.error(`fan-out ${FanoutState[fanout.state]}: ${fanout.written} of ${fanout.planned} written`);
    if (fanout.state === FanoutState.DONE || fanout.state === FanoutState.CANCELED) return fanout;
    if (Date.now() > deadline) throw new Error(`fan-out ${id} not finished after ${timeoutMs} ms`);
    await sleep(500);
  }
}

try {
  print({ step: "topic", key: topicKey, created: await ensureTopic() });
  print({ step: "subscribers", ...(await addMembers()) });

  const { fanoutId } = await herald.send({
    topics: [topicKey],
    excludeUserIds: [actor], // the actor does not need to hear about their own comment
    category: "example.topic",
    title: "New comment on the example project",
    body: `${actor}: looks good to me`,
    actionUrl: "/projects/example#comments",
  });
  print({ step: "send", fanoutId });

  const fanout = await waitForFanout(fanoutId);
  print({
    step: "fanout",
    id: fanout.id,
    state: FanoutState[fanout.state],
    planned: Number(fanout.planned),
    written: Number(fanout.written),
    failed: Number(fanout.failed),
    ...(fanout.error ? { error: fanout.error } : {}),
  });

  const inbox = await herald.list({ userId: reader, category: "example.topic", pageSize: 5 });
  print({ step: "inbox", userId: reader, titles: inbox.notifications.map((n) => n.title) });
} catch (error) {
  // NOT_FOUND names a topic that does not exist; PERMISSION_DENIED: the key
  // lacks the admin scope; RESOURCE_EXHAUSTED: too many fan-outs in flight
  // for the key (FANOUTS_IN_FLIGHT_PER_KEY) or the topic is full.
  const err = ConnectError.from(error);
  console.error(`Herald said ${Code[err.code]}: ${err.rawMessage}`);
  process.exitCode = 1;
}
