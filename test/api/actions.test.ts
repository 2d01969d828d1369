import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FeedEvent } from "../../gen/ts/herald/v1/feed_pb.js";
import { type ActionSchema, Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import type { SubscribeResponse } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { TemplateService } from "../../gen/ts/herald/v1/template_service_pb.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { collect, waitFor } from "../helpers/wait.js";

let herald: TestHerald;
let other: TestHerald;
let sender: HeraldClient;
let admin: HeraldClient;
let adminKey: string;

beforeAll(async () => {
  herald = await startHerald();
  // A second Herald process on the same Postgres and NATS: its streams hear what the first writes.
  other = await startHerald({ db: herald.db, natsPrefix: herald.config.nats.prefix });
  sender = connectClient(herald.url, await herald.apiKey(["send"]));
  adminKey = await herald.apiKey(["admin"]);
  admin = connectClient(herald.url, adminKey);
});
afterAll(async () => {
  await other.close();
  await herald.close();
});

async function failure(call: Promise<unknown>): Promise<ConnectError> {
  const error = await call.then(
    () => null,
    (e: unknown) => ConnectError.from(e),
  );
  if (error === null) throw new Error("expected the call to fail");
  return error;
}

const approveReject = [
  { id: "approve", label: "Approve", payload: { decision: "yes", amount: 12 } },
  { id: "reject", label: "Reject" },
  { id: "open", label: "Open", url: "/orders/1042" },
];

async function sendWithActions(userId: string) {
  const res = await sender.send({
    userIds: [userId],
    category: "approval",
    title: "t",
    body: "b",
    actions: approveReject,
  });
  return res.notifications[0]?.id as string;
}

describe("actions", () => {
  it("come from the request and are returned by Send and List", async () => {
    const id = await sendWithActions("actor");
    const [listed] = (await admin.list({ userId: "actor" })).notifications;
    expect(listed?.id).toBe(id);
    expect(listed?.actions.map((a) => [a.id, a.label, a.url, a.payload])).toEqual([
      ["approve", "Approve", "", { decision: "yes", amount: 12 }],
      ["reject", "Reject", "", undefined],
      ["open", "Open", "/orders/1042", undefined],
    ]);
    expect(listed?.interaction).toBeUndefined();
  });

  it("refuses 4 actions, repeated ids, bad urls and big payloads, naming the field", async () => {
    const base = { userIds: ["bad-actions"], category: "approval", title: "t", body: "b" };
    type ActionInit = MessageInitShape<typeof ActionSchema>;
    const fieldOf = async (actions: ActionInit[]) => {
      const e = await failure(sender.send({ ...base, actions }));
      expect(e.code).toBe(Code.InvalidArgument);
      return e.rawMessage.split(":")[0];
    };
    expect(await fieldOf([...approveReject, { id: "more", label: "More" }])).toBe("actions");
    expect(await fieldOf([approveReject[0], { id: "approve", label: "Again" }] as typeof approveReject)).toBe(
      "actions",
    );
    expect(await fieldOf([{ id: "go", label: "Go", url: "//evil.example/x" }])).toBe("actions[0].url");
    expect(await fieldOf([{ id: "go", label: "x".repeat(41) }])).toBe("actions[0].label");
    expect(await fieldOf([{ id: "Go", label: "Go" }])).toBe("actions[0].id");
    expect(await fieldOf([{ id: "go", label: "Go", payload: { big: "x".repeat(2100) } }])).toBe("actions[0].payload");
    expect(await herald.db.query("SELECT 1 FROM notifications WHERE user_id = 'bad-actions'")).toEqual([]);
  });

  it("come from the in-app template, rendered, unless the request gives its own", async () => {
    const templates = serviceClient(TemplateService, herald.url, adminKey);
    const actions = JSON.stringify([
      { id: "pay", label: "Pay {{amount}} €", payload: { invoice: "{{invoice}}", fixed: 1 } },
      { id: "view", label: "View", url: "https://billing.example.com/invoices/{{invoice}}" },
    ]);
    await templates.upsertTemplate({
      template: {
        key: "invoice-actions",
        channel: Channel.IN_APP,
        locale: "en",
        content: { case: "inApp", value: { title: "Invoice {{invoice}}", body: "Due", actions } },
      },
    });
    const templated = { userIds: ["templ-actor"], category: "billing", templateKey: "invoice-actions" };
    const res = await sender.send({ ...templated, data: { amount: "12.50", invoice: "inv-7" } });
    expect(res.notifications[0]?.actions.map((a) => [a.id, a.label, a.url, a.payload])).toEqual([
      ["pay", "Pay 12.50 €", "", { invoice: "inv-7", fixed: 1 }],
      ["view", "View", "https://billing.example.com/invoices/inv-7", undefined],
    ]);
    const own = await sender.send({
      ...templated,
      data: { amount: "1", invoice: "i" },
      actions: [{ id: "ok", label: "OK" }],
    });
    expect(own.notifications[0]?.actions.map((a) => a.id)).toEqual(["ok"]);
    // A rendered URL that breaks the rules fails the Send naming actions.
    const bad = await failure(sender.send({ ...templated, data: { amount: "1", invoice: "x y" } }));
    expect([bad.code, bad.rawMessage.split(":")[0]]).toEqual([Code.InvalidArgument, "actions"]);
    // An action template that is not an array of objects is refused when saved.
    const refused = await failure(
      templates.upsertTemplate({
        template: {
          key: "invoice-actions",
          channel: Channel.IN_APP,
          locale: "de",
          content: { case: "inApp", value: { title: "t", body: "b", actions: '{"id": "pay"}' } },
        },
      }),
    );
    expect([refused.code, refused.rawMessage.split(":")[0]]).toEqual([Code.InvalidArgument, "template.in_app.actions"]);
  });
});

describe("InteractNotification", () => {
  it("records the action, reads the notification, and is idempotent; the last action wins", async () => {
    const user = connectClient(herald.url, await herald.userToken("clicker"));
    const id = await sendWithActions("clicker");
    await sendWithActions("clicker");
    const done = await user.interactNotification({ id, actionId: "approve" });
    expect(done.notification?.interaction?.actionId).toBe("approve");
    expect(done.notification?.readTime).toBeDefined();
    expect(done.unreadCount).toBe(1);
    const again = await user.interactNotification({ id, actionId: "approve" });
    expect(again.unreadCount).toBe(1);
    expect(again.notification?.interaction?.time).toEqual(done.notification?.interaction?.time);
    const other = await user.interactNotification({ id, actionId: "open" });
    expect(other.notification?.interaction?.actionId).toBe("open");
    const [row] = await herald.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM feed_events WHERE user_id = 'clicker' AND kind = 'interacted'",
    );
    expect(row?.n).toBe(2);
    const listed = await user.list({});
    expect(listed.notifications.find((n) => n.id === id)?.interaction?.actionId).toBe("open");
    expect(listed.unreadCount).toBe(1);
  });

  it("refuses an unknown action naming action_id, and another user's notification as NOT_FOUND", async () => {
    const id = await sendWithActions("strict");
    const mine = connectClient(herald.url, await herald.userToken("strict"));
    const unknown = await failure(mine.interactNotification({ id, actionId: "delete" }));
    expect([unknown.code, unknown.rawMessage.split(":")[0]]).toEqual([Code.InvalidArgument, "action_id"]);
    const stranger = connectClient(herald.url, await herald.userToken("stranger"));
    expect((await failure(stranger.interactNotification({ id, actionId: "approve" }))).code).toBe(Code.NotFound);
    expect((await failure(sender.interactNotification({ userId: "strict", id, actionId: "approve" }))).code).toBe(
      Code.PermissionDenied,
    );
    const viaKey = await admin.interactNotification({ userId: "strict", id, actionId: "reject" });
    expect(viaKey.notification?.interaction?.actionId).toBe("reject");
  });

  it("reaches a live stream on another Herald process, and replays from a cursor", async () => {
    const token = await herald.userToken("watcher");
    const abort = new AbortController();
    const stream = collect(connectClient(other.url, token).subscribe({}, { signal: abort.signal }));
    const events = () => stream.items.map((r: SubscribeResponse) => r.event as FeedEvent);
    await waitFor(() => events().some((e) => e.kind.case === "synced"), 10_000, "synced");
    const id = await sendWithActions("watcher");
    await waitFor(() => events().some((e) => e.kind.case === "created"), 10_000, "created on the other process");
    const created = events().find((e) => e.kind.case === "created") as FeedEvent;
    const cursor = created.cursor;
    // The created event reached the other process with its actions (over NATS, or read from Postgres).
    const carried = created.kind.case === "created" ? created.kind.value.notification?.actions : [];
    expect(carried?.map((a) => [a.id, a.payload])).toEqual([
      ["approve", { decision: "yes", amount: 12 }],
      ["reject", undefined],
      ["open", undefined],
    ]);
    await connectClient(herald.url, token).interactNotification({ id, actionId: "approve" });
    await waitFor(() => events().some((e) => e.kind.case === "interacted"), 10_000, "interacted on the other process");
    const live = events().find((e) => e.kind.case === "interacted") as FeedEvent;
    expect(live.kind.value).toMatchObject({
      notificationId: id,
      actionId: "approve",
      payload: { decision: "yes", amount: 12 },
    });
    expect(live.unreadCount).toBe(0);
    abort.abort();

    const replayAbort = new AbortController();
    const replay = collect(connectClient(other.url, token).subscribe({ cursor }, { signal: replayAbort.signal }));
    await replay.atLeast(2);
    const replayed = replay.items.map((r: SubscribeResponse) => r.event as FeedEvent);
    expect(replayed[0]?.kind.case).toBe("interacted");
    expect(replayed[0]?.kind.value).toMatchObject({
      notificationId: id,
      actionId: "approve",
      payload: { decision: "yes" },
    });
    expect(replayed[0]?.cursor).toBe(live.cursor);
    expect(replayed[1]?.kind.case).toBe("synced");
    replayAbort.abort();
  });
});
