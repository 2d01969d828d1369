// Threads, updates and retraction, from Node with a connect-es client: sends
// three notifications of one thread (group_key), so the inbox keeps only the
// newest; corrects its text (UpdateNotification); then withdraws it
// (RetractNotification), which also cancels its deliveries not yet made.
// Prints one JSON line per step. Run against `npm start`:
//
//   HERALD_URL=http://127.0.0.1:8080 HERALD_API_KEY=hk_... npx tsx examples/typescript/update-retract.ts --user demo-user
import { parseArgs } from "node:util";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { NotificationService } from "../../gen/ts/herald/v1/notification_service_pb.js";

const { values } = parseArgs({ options: { user: { type: "string", default: "demo-user" } } });
const baseUrl = process.env.HERALD_URL ?? "http://127.0.0.1:8080";
const apiKey = process.env.HERALD_API_KEY;
if (!apiKey) throw new Error("set HERALD_API_KEY to an API key with the send and read scopes");

const bearer: Interceptor = (next) => (req) => {
  req.header.set("Authorization", `Bearer ${apiKey}`);
  return next(req);
};
const herald = createClient(
  NotificationService,
  createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: [bearer] }),
);
const print = (line: object) => console.log(JSON.stringify(line));
const userId = values.user;

try {
  // One thread per post: each Send replaces the user's previous notification of the thread.
  const thread = `comments:post-42:${Date.now()}`;
  let latest = "";
  for (const count of [1, 2, 3]) {
    const { notifications } = await herald.send({
      userIds: [userId],
      category: "example.thread",
      title: `${count} new comment${count > 1 ? "s" : ""} on "Launch plan"`,
      body: "Open the post to read them.",
      groupKey: thread,
    });
    latest = notifications[0]?.id ?? "";
  }
  const inbox = await herald.list({ userId, category: "example.thread" });
  print({ step: "thread", titles: inbox.notifications.map((n) => n.title), unread: inbox.unreadCount });

  // Fix the text: open inboxes get an `updated` event with version 2.
  const { notification, changed } = await herald.updateNotification({
    id: latest,
    title: '3 new comments on "Launch plan (v2)"',
    data: { postId: 42 },
  });
  print({ step: "update", changed, version: notification?.version, title: notification?.title });

  // Withdraw it: it leaves the inbox and the counts; its pending deliveries are canceled.
  const retracted = await herald.retractNotification({ id: latest });
  const after = await herald.list({ userId, category: "example.thread" });
  print({ step: "retract", retracted: retracted.notificationIds.length, left: after.notifications.length });

  // Updating it now is refused: it was retracted.
  try {
    await herald.updateNotification({ id: latest, title: "too late" });
  } catch (error) {
    print({ step: "update_after_retract", code: Code[ConnectError.from(error).code] });
  }
} catch (error) {
  const err = ConnectError.from(error);
  console.error(`Herald said ${Code[err.code]}: ${err.rawMessage}`);
  process.exitCode = 1;
}
