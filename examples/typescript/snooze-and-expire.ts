// Expiry and snooze, from Node with a connect-es client: sends one
// notification that expires in an hour (`ttl`) and one for ever, snoozes the
// second for an hour (it leaves the inbox and comes back at the top when the
// hour is up), lists the inbox and the snoozed ones, then wakes it up at once.
// Snoozing with an API key needs the `admin` scope (a user token snoozes its
// own). Run against `npm start`:
//
//   HERALD_URL=http://127.0.0.1:8080 HERALD_API_KEY=hk_... npx tsx examples/typescript/snooze-and-expire.ts --user demo-user
import { parseArgs } from "node:util";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { NotificationService } from "../../gen/ts/herald/v1/notification_service_pb.js";

const { values } = parseArgs({ options: { user: { type: "string", default: "demo-user" } } });
const baseUrl = process.env.HERALD_URL ?? "http://127.0.0.1:8080";
const apiKey = process.env.HERALD_API_KEY;
if (!apiKey) throw new Error("set HERALD_API_KEY to an API key with the send and admin scopes");

const bearer: Interceptor = (next) => (req) => {
  req.header.set("Authorization", `Bearer ${apiKey}`);
  return next(req);
};
const herald = createClient(
  NotificationService,
  createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: [bearer] }),
);
const userId = values.user;

try {
  const base = { userIds: [userId], category: "example.timed", body: "Sent with a connect-es client." };
  // Gone from the inbox (and never emailed) after an hour: at most one of `ttl` and `expireAt`.
  const flash = await herald.send({ ...base, title: "Flash sale, one hour", ttl: { seconds: 3600n, nanos: 0 } });
  const later = await herald.send({ ...base, title: "Read me later" });
  const expireTime = flash.notifications[0]?.expireTime;
  console.log(JSON.stringify({ step: "send", expires: expireTime === undefined ? null : Number(expireTime.seconds) }));

  const laterId = later.notifications[0]?.id as string;
  const inAnHour = timestampFromDate(new Date(Date.now() + 3_600_000));
  const snoozed = await herald.snoozeNotifications({ userId, notificationIds: [laterId], snoozeUntil: inAnHour });
  console.log(JSON.stringify({ step: "snooze", changed: snoozed.changedCount, unread: snoozed.unreadCount }));

  const inbox = await herald.list({ userId });
  const asleep = await herald.list({ userId, snoozed: true });
  console.log(
    JSON.stringify({
      step: "list",
      inbox: inbox.notifications.map((n) => n.title),
      snoozed: asleep.notifications.map((n) => n.title),
    }),
  );

  const woken = await herald.unsnoozeNotifications({ userId, notificationIds: [laterId] });
  console.log(JSON.stringify({ step: "unsnooze", changed: woken.changedCount, unread: woken.unreadCount }));
} catch (error) {
  const err = ConnectError.from(error);
  console.error(`Herald said ${Code[err.code]}: ${err.rawMessage}`);
  process.exitCode = 1;
}
