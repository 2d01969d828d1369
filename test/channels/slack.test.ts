import { type Timestamp, timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Channel, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { TemplateService } from "../../gen/ts/herald/v1/template_service_pb.js";
import { WebhookService } from "../../gen/ts/herald/v1/webhook_service_pb.js";
import { slackChannel } from "../../src/channels/slack.js";
import { createSlackSender, type SlackSenderOptions } from "../../src/channels/slack-sender.js";
import { createEnvReader } from "../../src/config/env.js";
import { PermanentDeliveryError, TransientDeliveryError } from "../../src/domain/delivery-errors.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { settledDeliveries } from "../helpers/deliveries.js";
import { type FakeSlack, startFakeSlack } from "../helpers/fake-slack.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { rejection, waitFor } from "../helpers/wait.js";

let slack: FakeSlack;
beforeAll(async () => {
  slack = await startFakeSlack();
  slack.members.add("U0123ABCD");
});
afterAll(() => slack.close());

const sender = (overrides: Partial<SlackSenderOptions> = {}) =>
  createSlackSender({
    apiUrl: slack.apiUrl,
    botToken: slack.botToken,
    timeoutMs: 10_000,
    allowPrivateNetworks: true,
    ...overrides,
  });

describe("the Slack module", () => {
  it("takes member ids as addresses, and nothing else", () => {
    const check = slackChannel.checkAddress as (a: string) => string | null;
    for (const good of ["U0123ABCD", "W012A3CDE", "U01234567890ABCD"]) expect(check(good)).toBeNull();
    for (const bad of ["C0123ABCD", "D0123ABCD", "u0123abcd", "@alice", "U01", "U0123ABCD\n"]) {
      expect(check(bad)).toMatch(/member id/);
    }
  });

  it("takes https://hooks.slack.com/services/... only, unless private networks are allowed", () => {
    const check = slackChannel.checkEndpointUrl as (url: string, e: { allowPrivateNetworks: boolean }) => string | null;
    const strict = { allowPrivateNetworks: false };
    const loose = { allowPrivateNetworks: true };
    expect(check("https://hooks.slack.com/services/T000/B000/XXXX", strict)).toBeNull();
    for (const bad of [
      "http://hooks.slack.com/services/T000/B000/XXXX",
      "https://hooks.slack.com.evil.example/services/T000/B000/XXXX",
      "https://hooks.slack.com:8443/services/T000/B000/XXXX",
      "https://hooks.slack.com/triggers/T000/1/abc",
      "https://hooks.slack.com/services/T000/B000/XXXX?x=1",
      "https://user:pw@hooks.slack.com/services/T000/B000/XXXX",
      "https://127.0.0.1/services/T000/B000/XXXX",
    ]) {
      expect(check(bad, strict), bad).not.toBeNull();
    }
    expect(check("http://127.0.0.1:9/services/T000/B000/XXXX", loose)).toBeNull();
    expect(check("http://127.0.0.1:9/hook", loose)).toMatch(/incoming webhook URL/);
  });

  it("is off without configuration, on with a bot token, and on for webhooks only when asked", () => {
    const read = (env: Record<string, string>) => {
      const reader = createEnvReader(env);
      return { settings: slackChannel.readSettings(reader), problems: reader.problems };
    };
    expect(read({}).settings).toBeNull();
    expect(read({ SLACK_BOT_TOKEN: "xoxb-1-abc" }).settings).toEqual({
      apiUrl: "https://slack.com/api/",
      botToken: "xoxb-1-abc",
    });
    expect(read({ SLACK_ENABLED: "true" }).settings).toEqual({ apiUrl: "https://slack.com/api/", botToken: null });
    expect(read({ SLACK_BOT_TOKEN: "xoxb-1-abc", SLACK_ENABLED: "false" }).settings).toBeNull();
    expect(read({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_API_URL: "http://127.0.0.1:1/api" }).settings).toMatchObject({
      apiUrl: "http://127.0.0.1:1/api/",
    });
    const bad = read({ SLACK_BOT_TOKEN: "secret value", SLACK_API_URL: "ftp://x", SLACK_ENABLED: "maybe" });
    expect(bad.problems).toHaveLength(3);
    for (const name of ["SLACK_BOT_TOKEN", "SLACK_ENABLED", "SLACK_API_URL"]) {
      expect(bad.problems.some((p) => p.startsWith(name))).toBe(true);
    }
    expect(bad.problems.join("\n")).not.toContain("secret value");
  });

  it("writes the default content in mrkdwn, escaping &, < and > as Slack documents", () => {
    const content = slackChannel.content?.fromDraft({
      title: "Deploy <prod> & more",
      body: "Hi <!channel>, see *this*",
      actionUrl: "https://example.com/a?x=1&y=<2>|3",
    } as never);
    expect(content).toEqual({
      text: "*Deploy &lt;prod&gt; &amp; more*\nHi &lt;!channel&gt;, see *this*\n<https://example.com/a?x=1&amp;y=&lt;2&gt;%7C3>",
    });
  });
});

describe("chat.postMessage", () => {
  beforeEach(() => {
    slack.messages.length = 0;
  });

  it("posts JSON with the bot token to the member id, and returns the DM's channel and ts", async () => {
    const blocks = [{ type: "section", text: { type: "mrkdwn", text: "*hi* ü 🎉" } }];
    const receipt = await sender().postMessage("U0123ABCD", { text: "hi ü 🎉", blocks });
    const [posted] = slack.messages;
    expect(posted).toMatchObject({ channel: "U0123ABCD", text: "hi ü 🎉", blocks });
    expect(posted?.authorization).toBe(`Bearer ${slack.botToken}`);
    expect(posted?.contentType).toBe("application/json; charset=utf-8");
    expect(receipt.providerMessageId).toBe(`${posted?.dm}/${posted?.ts}`);
    expect(posted?.dm).toMatch(/^D/);
  });

  it("ratelimited (HTTP 429) is transient and carries Retry-After", async () => {
    slack.failNext(1, { status: 429, retryAfter: "7" });
    const err = await rejection(sender().postMessage("U0123ABCD", { text: "hi" }));
    expect(err).toBeInstanceOf(TransientDeliveryError);
    expect(err).toMatchObject({ retryAfterMs: 7_000 });
    expect(err.message).toContain("ratelimited");
  });

  it.each(["internal_error", "fatal_error", "service_unavailable", "request_timeout"])(
    "%s (HTTP 200, ok false) is transient",
    async (error) => {
      slack.failNext(1, { error });
      const err = await rejection(sender().postMessage("U0123ABCD", { text: "hi" }));
      expect(err).toBeInstanceOf(TransientDeliveryError);
      expect(err.message).toContain(error);
    },
  );

  it("a 5xx page is transient", async () => {
    slack.failNext(1, { status: 503 });
    const err = await rejection(sender().postMessage("U0123ABCD", { text: "hi" }));
    expect(err).toBeInstanceOf(TransientDeliveryError);
    expect(err.message).toContain("503");
  });

  it("platform errors that will not change are permanent, named, and never quote the token", async () => {
    const cases: Array<[Promise<unknown>, string]> = [
      [sender().postMessage("U9999ZZZZ", { text: "hi" }), "channel_not_found"],
      [sender({ botToken: "xoxb-wrong" }).postMessage("U0123ABCD", { text: "hi" }), "invalid_auth"],
      [sender().postMessage("U0123ABCD", { text: "x".repeat(40_001) }), "msg_too_long"],
      [sender().postMessage("U0123ABCD", { text: "hi", blocks: [{ text: "no type" }] }), "invalid_blocks"],
    ];
    for (const [call, code] of cases) {
      const err = await rejection(call);
      expect(err, code).toBeInstanceOf(PermanentDeliveryError);
      expect(err).toMatchObject({ reason: "rejected" });
      expect(err.message).toContain(code);
      expect(err.message).not.toContain(slack.botToken);
    }
    for (const error of ["not_authed", "account_inactive", "token_revoked", "user_not_found", "is_archived"]) {
      slack.failNext(1, { error });
      const err = await rejection(sender().postMessage("U0123ABCD", { text: "hi" }));
      expect(err, error).toBeInstanceOf(PermanentDeliveryError);
      expect(err.message).toContain(error);
    }
    expect(slack.messages).toHaveLength(0);
  });

  it("invalid_blocks says which block, from Slack's response_metadata", async () => {
    const err = await rejection(sender().postMessage("U0123ABCD", { text: "hi", blocks: [{ type: "x" }, {}] }));
    expect(err.message).toContain("json-pointer:/blocks/1");
  });

  it("without a bot token (incoming webhooks only) a member delivery fails permanently, saying why", async () => {
    const err = await rejection(sender({ botToken: null }).postMessage("U0123ABCD", { text: "hi" }));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err.message).toContain("SLACK_BOT_TOKEN is not set");
  });

  it("a call with no answer ends at the timeout, and the caller's signal ends it sooner: both transient", async () => {
    slack.stallNext(1);
    const timedOut = await rejection(sender({ timeoutMs: 300 }).postMessage("U0123ABCD", { text: "hi" }));
    expect(timedOut).toBeInstanceOf(TransientDeliveryError);
    expect(timedOut.message).toContain("no answer within 300 ms");
    slack.stallNext(1);
    const controller = new AbortController();
    const call = sender().postMessage("U0123ABCD", { text: "hi" }, controller.signal);
    await waitFor(() => slack.requestCount() > 0);
    setTimeout(() => controller.abort(), 50);
    const aborted = await rejection(call);
    expect(aborted).toBeInstanceOf(TransientDeliveryError);
    expect(aborted.message).toContain("aborted");
  });
});

describe("incoming webhooks", () => {
  it("post text and blocks as JSON, with no token", async () => {
    const url = slack.createWebhook();
    const receipt = await sender({ botToken: null }).postToWebhook(url, { text: "hi", blocks: [{ type: "divider" }] });
    expect(receipt.providerMessageId).toBe("incoming-webhook");
    const post = slack.webhookPosts.at(-1);
    expect(post?.body).toEqual({ text: "hi", blocks: [{ type: "divider" }] });
    expect(post?.contentType).toBe("application/json; charset=utf-8");
  });

  it("a removed hook (404 no_service) or an archived channel (410) is gone; a bad payload is rejected", async () => {
    const removed = slack.createWebhook();
    slack.setWebhookState(removed, "removed");
    const archived = slack.createWebhook();
    slack.setWebhookState(archived, "archived");
    for (const [url, code] of [
      [removed, "404 no_service"],
      [archived, "410 channel_is_archived"],
    ] as const) {
      const err = await rejection(sender().postToWebhook(url, { text: "hi" }));
      expect(err).toBeInstanceOf(PermanentDeliveryError);
      expect(err).toMatchObject({ reason: "gone" });
      expect(err.message).toContain(code);
    }
    const bad = await rejection(sender().postToWebhook(slack.createWebhook(), { text: "" }));
    expect(bad).toMatchObject({ reason: "rejected" });
    expect(bad.message).toContain("400 no_text");
  });

  it("429 is transient with Retry-After; a 500 rollup_error is transient", async () => {
    const url = slack.createWebhook();
    slack.failNext(1, { status: 429, error: "rate_limited", retryAfter: "30" });
    const limited = await rejection(sender().postToWebhook(url, { text: "hi" }));
    expect(limited).toBeInstanceOf(TransientDeliveryError);
    expect(limited).toMatchObject({ retryAfterMs: 30_000 });
    slack.failNext(1, {});
    const broken = await rejection(sender().postToWebhook(url, { text: "hi" }));
    expect(broken).toBeInstanceOf(TransientDeliveryError);
    expect(broken.message).toContain("500 rollup_error");
  });

  it("refuses loopback when private networks are not allowed, without sending anything", async () => {
    const before = slack.requestCount();
    const err = await rejection(
      sender({ allowPrivateNetworks: false }).postToWebhook(slack.createWebhook(), { text: "hi" }),
    );
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err.message).toBe("refused: address not allowed");
    expect(slack.requestCount()).toBe(before);
  });
});

describe("Slack through Herald", () => {
  let herald: TestHerald;
  let admin: HeraldClient;
  let recipients: ReturnType<typeof serviceClient<typeof RecipientService>>;
  let templates: ReturnType<typeof serviceClient<typeof TemplateService>>;
  let webhooks: ReturnType<typeof serviceClient<typeof WebhookService>>;

  beforeAll(async () => {
    herald = await startHerald({ env: { SLACK_BOT_TOKEN: slack.botToken, SLACK_API_URL: slack.apiUrl } });
    const key = await herald.apiKey(["admin"]);
    admin = connectClient(herald.url, key);
    recipients = serviceClient(RecipientService, herald.url, key);
    templates = serviceClient(TemplateService, herald.url, key);
    webhooks = serviceClient(WebhookService, herald.url, key);
    slack.members.add("U0SAM1234");
    await recipients.upsertRecipient({ userId: "sam", addresses: { slack: "U0SAM1234" } });
  });
  afterAll(() => herald.close());

  const sent = (text: string) => slack.messages.filter((m) => m.channel === "U0SAM1234" && m.text?.includes(text));

  it("sends a DM through the Web API: bot token, member id, mrkdwn content; the receipt is recorded", async () => {
    const res = await admin.send({
      userIds: ["sam"],
      category: "deploys",
      title: "Deploy <prod>",
      body: "Done & dusted",
      actionUrl: "https://example.com/d/1",
    });
    const [delivery] = await settledDeliveries(admin, res.notifications[0]?.id as string, Channel.SLACK);
    expect(delivery?.status).toBe(DeliveryStatus.SENT);
    const [posted] = sent("Deploy");
    expect(posted?.authorization).toBe(`Bearer ${slack.botToken}`);
    expect(posted?.text).toBe("*Deploy &lt;prod&gt;*\nDone &amp; dusted\n<https://example.com/d/1>");
    expect(delivery?.providerMessageId).toBe(`${posted?.dm}/${posted?.ts}`);
  });

  it("refuses a recipient address that is not a member id, naming the field", async () => {
    const err = await rejection(recipients.upsertRecipient({ userId: "sam", addresses: { slack: "#general" } }));
    expect(ConnectError.from(err).code).toBe(Code.InvalidArgument);
    expect(err.message).toContain('addresses["slack"]');
  });

  it("renders templates: text and Block Kit blocks, data JSON-safe and mrkdwn-escaped", async () => {
    const blocks = JSON.stringify([
      { type: "header", text: { type: "plain_text", text: "Order {{order}}" } },
      { type: "section", text: { type: "mrkdwn", text: "{{#each items}}• {{this}}\n{{/each}}" } },
    ]);
    await templates.upsertTemplate({
      template: {
        key: "order",
        channel: Channel.SLACK,
        locale: "en",
        content: { case: "parts", value: { parts: { text: "Order {{order}} shipped", blocks } } },
      },
    });
    const order = 'A-1 "quoted" \\ <!channel>';
    const res = await admin.send({
      userIds: ["sam"],
      category: "orders",
      templateKey: "order",
      data: { order, items: ["tea & cake", "</script>"] },
      channels: [Channel.SLACK],
    });
    const [delivery] = await settledDeliveries(admin, res.notifications[0]?.id as string, Channel.SLACK);
    expect(delivery?.status).toBe(DeliveryStatus.SENT);
    const [posted] = sent("shipped");
    const escapedOrder = 'A-1 "quoted" \\ &lt;!channel&gt;';
    expect(posted?.text).toBe(`Order ${escapedOrder} shipped`);
    expect(posted?.blocks).toEqual([
      { type: "header", text: { type: "plain_text", text: `Order ${escapedOrder}` } },
      { type: "section", text: { type: "mrkdwn", text: "• tea &amp; cake\n• &lt;/script&gt;\n" } },
    ]);
  });

  it("refuses blocks that are not a JSON array of at most 50 blocks, naming the part", async () => {
    const upsert = (blocks: string, text = "t") =>
      rejection(
        templates.upsertTemplate({
          template: {
            key: "bad",
            channel: Channel.SLACK,
            locale: "en",
            content: { case: "parts", value: { parts: { text, blocks } } },
          },
        }),
      );
    const cases: Array<[string, RegExp]> = [
      ['[{"type": "section", "text": {{x}}}]', /is not JSON/],
      ['{"type": "section"}', /must be a JSON array/],
      [JSON.stringify(Array.from({ length: 51 }, () => ({ type: "divider" }))), /51 blocks; Slack allows at most 50/],
      ['[{"text": "no type"}]', /block 0 must be an object with a "type"/],
      ['[{"type": "section", "x": "{{#if a}}"}, {"type": "divider", "x": "{{/if}}"}]', /\$\[0\]\.x/],
    ];
    for (const [blocks, message] of cases) {
      const err = await upsert(blocks);
      expect(ConnectError.from(err).code, blocks).toBe(Code.InvalidArgument);
      expect(err.message).toContain('template.parts.parts["blocks"]');
      expect(err.message).toMatch(message);
    }
    const noText = await upsert('[{"type": "divider"}]', "");
    expect(noText.message).toContain('template.parts.parts["text"]');
  });

  it("a recipient who turned Slack off for a category gets nothing there", async () => {
    await admin.updatePreferences({ userId: "sam", categories: { marketing: { channels: { slack: false } } } });
    const before = slack.requestCount();
    const res = await admin.send({ userIds: ["sam"], category: "marketing", title: "Sale", body: "now" });
    const [delivery] = await settledDeliveries(admin, res.notifications[0]?.id as string, Channel.SLACK);
    expect(delivery?.status).toBe(DeliveryStatus.SUPPRESSED);
    // Another category still goes out, after which the suppressed one has certainly not.
    const other = await admin.send({ userIds: ["sam"], category: "deploys", title: "Other", body: "b" });
    await settledDeliveries(admin, other.notifications[0]?.id as string, Channel.SLACK);
    expect(sent("Sale")).toHaveLength(0);
    expect(slack.requestCount()).toBe(before + 1);
  });

  it("retries ratelimited after at least Retry-After, then delivers once", async () => {
    slack.failNext(1, { status: 429, retryAfter: "2" });
    const res = await admin.send({ userIds: ["sam"], category: "deploys", title: "Limited", body: "b" });
    const [delivery] = await settledDeliveries(admin, res.notifications[0]?.id as string, Channel.SLACK, 30_000);
    expect(delivery?.status).toBe(DeliveryStatus.SENT);
    const [first, second] = delivery?.attemptHistory ?? [];
    expect(delivery?.attemptHistory).toHaveLength(2);
    expect(first?.error).toContain("ratelimited");
    // The test schedule retries after 200 ms; Slack asked for 2 s.
    const ms = (t: Timestamp | undefined) => (t === undefined ? Number.NaN : timestampMs(t));
    const waited = ms(second?.startTime) - ms(first?.endTime);
    expect(waited).toBeGreaterThanOrEqual(1_900);
    expect(sent("Limited")).toHaveLength(1);
  });

  it("a permanent error is dead at once, with Slack's reason in GetNotification", async () => {
    slack.failNext(1, { error: "account_inactive" });
    const res = await admin.send({ userIds: ["sam"], category: "deploys", title: "Dead", body: "b" });
    const [delivery] = await settledDeliveries(admin, res.notifications[0]?.id as string, Channel.SLACK);
    expect(delivery).toMatchObject({ status: DeliveryStatus.DEAD, attempts: 1 });
    expect(delivery?.lastError).toBe("Slack answered account_inactive");
  });

  it("posts to incoming webhooks registered for Slack, and disables one Slack says is gone", async () => {
    const url = slack.createWebhook();
    const { endpoint } = await webhooks.createWebhookEndpoint({ url, channel: Channel.SLACK, categories: ["alerts"] });
    const res = await admin.send({ userIds: ["nobody"], category: "alerts.disk", title: "Disk", body: "full" });
    const [delivery] = await settledDeliveries(admin, res.notifications[0]?.id as string, Channel.SLACK);
    expect(delivery).toMatchObject({ status: DeliveryStatus.SENT, target: endpoint?.id });
    expect(slack.webhookPosts.at(-1)?.body).toEqual({ text: "*Disk*\nfull" });
    slack.setWebhookState(url, "removed");
    const gone = await admin.send({ userIds: ["nobody"], category: "alerts.disk", title: "Again", body: "b" });
    const [dead] = await settledDeliveries(admin, gone.notifications[0]?.id as string, Channel.SLACK);
    expect(dead).toMatchObject({ status: DeliveryStatus.DEAD, attempts: 1 });
    expect(dead?.lastError).toContain("404 no_service");
    const after = await webhooks.getWebhookEndpoint({ id: endpoint?.id as string });
    expect(after.endpoint?.enabled).toBe(false);
    expect(after.endpoint?.disabledReason).toContain("no_service");
    const refused = await rejection(
      webhooks.createWebhookEndpoint({ url: "http://127.0.0.1:9/hook", channel: Channel.SLACK }),
    );
    expect(ConnectError.from(refused).code).toBe(Code.InvalidArgument);
    expect(refused.message).toContain("incoming webhook URL");
  });

  it("a Send that asks for Slack with neither a member id nor a matching webhook dies at once, saying so", async () => {
    // The delivery's target is "": the member path, which needs no lookup of an endpoint id.
    const res = await admin.send({
      userIds: ["no-slack"],
      category: "nobody.listens",
      title: "t",
      body: "b",
      channels: [Channel.SLACK],
    });
    const [delivery] = await settledDeliveries(admin, res.notifications[0]?.id as string, Channel.SLACK);
    expect(delivery).toMatchObject({ status: DeliveryStatus.DEAD, attempts: 1, target: "" });
    expect(delivery?.lastError).toBe("the recipient has no Slack member id");
  });

  it("GetPreferences offers Slack", async () => {
    const { channels } = await admin.getPreferences({ userId: "sam" });
    expect(channels).toContain(Channel.SLACK);
  });
});

describe("a Herald without Slack configuration", () => {
  let herald: TestHerald;
  let admin: HeraldClient;
  beforeAll(async () => {
    herald = await startHerald();
  });
  afterAll(() => herald.close());

  it("does not offer Slack: not in GetPreferences, not planned, refused when asked for", async () => {
    admin = connectClient(herald.url, await herald.apiKey(["admin"]));
    const { channels } = await admin.getPreferences({ userId: "sam" });
    expect(channels).toContain(Channel.IN_APP);
    expect(channels).not.toContain(Channel.SLACK);
    const res = await admin.send({ userIds: ["sam"], category: "deploys", title: "t", body: "b" });
    const { deliveries } = await admin.getNotification({ id: res.notifications[0]?.id as string });
    expect(deliveries.map((d) => d.channel)).toEqual([Channel.IN_APP]);
    const err = await rejection(
      admin.send({ userIds: ["sam"], category: "deploys", title: "t", body: "b", channels: [Channel.SLACK] }),
    );
    expect(ConnectError.from(err).code).toBe(Code.InvalidArgument);
  });
});
