import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Channel, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { TemplateService } from "../../gen/ts/herald/v1/template_service_pb.js";
import { WebhookService } from "../../gen/ts/herald/v1/webhook_service_pb.js";
import { defaultCard, teamsChannel } from "../../src/channels/teams.js";
import { checkTeamsUrl, createTeamsSender, MAX_MESSAGE_BYTES } from "../../src/channels/teams-sender.js";
import { createEnvReader } from "../../src/config/env.js";
import { PermanentDeliveryError, TransientDeliveryError } from "../../src/domain/delivery-errors.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { settledDeliveries } from "../helpers/deliveries.js";
import { type FakeTeams, startFakeTeams } from "../helpers/fake-teams.js";
import { createTestDatabase, startHerald, type TestDatabase, type TestHerald } from "../helpers/herald.js";
import { rejection } from "../helpers/wait.js";

let teams: FakeTeams;
beforeAll(async () => {
  teams = await startFakeTeams();
});
afterAll(() => teams.close());

const card = defaultCard("Deployed", "v2 is **live**", "https://example.com/deploys/2");
const sender = (timeoutMs = 5_000) => createTeamsSender({ timeoutMs, allowPrivateNetworks: true });
const errorOf = (url: string, timeoutMs?: number) => rejection(sender(timeoutMs).send({ url, card, deliveryId: "d1" }));

describe("the Teams sender", () => {
  beforeEach(() => {
    teams.posts.length = 0;
  });

  it("posts a message with one Adaptive Card to a Workflows URL and reports the flow run", async () => {
    const receipt = await sender().send({ url: teams.workflowUrl(), card, deliveryId: "d1" });
    const [post] = teams.posts;
    expect(post?.kind).toBe("workflow");
    expect(post?.contentType).toMatch(/^application\/json/);
    expect(post?.userAgent).toBe("Herald-Teams/1");
    expect(post?.body).toEqual({
      type: "message",
      attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card }],
    });
    expect(receipt.providerMessageId).toBe(post?.runId);
  });

  it("posts to an incoming webhook, which names no message: the receipt is the delivery's", async () => {
    const receipt = await sender().send({ url: teams.connectorUrl(), card, deliveryId: "d42" });
    expect(teams.posts.map((p) => p.kind)).toEqual(["connector"]);
    expect(receipt.providerMessageId).toBe("herald:d42");
  });

  it("takes a connector's 200 that says 429 for what it is, and its 413 as final", async () => {
    const url = teams.connectorUrl();
    teams.throttleConnectorNext(1);
    const throttled = await errorOf(url);
    expect(throttled).toBeInstanceOf(TransientDeliveryError);
    expect(throttled.message).toContain("Microsoft Teams endpoint returned HTTP error 429");
    teams.throttleConnectorNext(1, 413);
    expect(await errorOf(url)).toBeInstanceOf(PermanentDeliveryError);
    expect(teams.posts).toHaveLength(0);
  });

  it("retries 429 after Retry-After, 5xx and timeouts", async () => {
    const url = teams.workflowUrl();
    teams.failNext(1, { status: 429, retryAfter: "7" });
    expect(await errorOf(url)).toMatchObject({ name: "TransientDeliveryError", retryAfterMs: 7_000 });
    teams.failNext(1, { status: 502 });
    expect(await errorOf(url)).toBeInstanceOf(TransientDeliveryError);
    teams.stallNext(1);
    const late = await errorOf(url, 300);
    expect(late).toBeInstanceOf(TransientDeliveryError);
    expect(late.message).toBe("Teams request timed out");
  });

  it("stops at once on a bad request, and calls a deleted flow gone; no error quotes the URL", async () => {
    const url = teams.workflowUrl();
    teams.failNext(1, {
      status: 400,
      body: JSON.stringify({ error: { code: "InvalidRequestContent", message: `bad body posted to ${url}` } }),
    });
    const bad = await errorOf(url);
    expect(bad).toMatchObject({ name: "PermanentDeliveryError", reason: "rejected" });
    expect(bad.message).toBe("Teams answered 400: InvalidRequestContent: bad body posted to <url>");
    const forged = `${url.replace(/sig=[^&]+/, "sig=forged")}`;
    const unsigned = await errorOf(forged);
    expect(unsigned).toMatchObject({ name: "PermanentDeliveryError", reason: "rejected" });
    expect(unsigned.message).toContain("401");
    teams.remove(url);
    const gone = await errorOf(url);
    expect(gone).toMatchObject({ name: "PermanentDeliveryError", reason: "gone" });
    expect(gone.message).toContain("WorkflowNotFound");
    for (const e of [bad, unsigned, gone]) expect(e.message).not.toMatch(/sig=|127\.0\.0\.1/);
  });

  it("refuses a message over 28 KB without sending it", async () => {
    const big = defaultCard("t", "é".repeat(MAX_MESSAGE_BYTES / 2), "");
    const err = await rejection(sender().send({ url: teams.workflowUrl(), card: big, deliveryId: "d1" }));
    expect(err).toMatchObject({ name: "PermanentDeliveryError" });
    expect(err.message).toMatch(/^the message is [\d,]+ bytes; Teams takes at most 28 KB/);
    expect(teams.posts).toHaveLength(0);
  });

  it("refuses loopback unless private networks are allowed", async () => {
    const guarded = createTeamsSender({ timeoutMs: 5_000, allowPrivateNetworks: false });
    const requests = teams.requestCount();
    const err = await rejection(guarded.send({ url: teams.workflowUrl(), card, deliveryId: "d1" }));
    expect(err).toMatchObject({
      name: "PermanentDeliveryError",
      message: "refused: the endpoint's address is not allowed",
    });
    expect(teams.requestCount()).toBe(requests);
  });
});

describe("Teams endpoint URLs and settings", () => {
  const production = { allowPrivateNetworks: false };

  it.each([
    "https://contoso.webhook.office.com/webhookb2/a@b/IncomingWebhook/c/d",
    "https://prod-12.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=x",
    "https://default1234.56.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=x",
  ])("accepts %s", (url) => {
    expect(checkTeamsUrl(url, production)).toBeNull();
  });

  it.each([
    ["http://prod-12.westus.logic.azure.com/workflows/abc", /https/],
    ["https://example.com/webhookb2/x", /Teams Workflows or incoming webhook URL/],
    ["https://logic.azure.com.evil.example/workflows/abc", /Teams Workflows or incoming webhook URL/],
    ["https://evillogic.azure.com/workflows/abc", /Teams Workflows or incoming webhook URL/],
    ["https://prod-1.westus.logic.azure.com:8443/workflows/abc", /default https port/],
    ["https://user:pass@contoso.webhook.office.com/webhookb2/x", /credentials/],
    ["https://127.0.0.1/workflows/abc", /private/],
  ])("refuses %s", (url, problem) => {
    expect(checkTeamsUrl(url, production)).toMatch(problem);
  });

  it("allows loopback and http when private networks are allowed (development, tests)", () => {
    expect(checkTeamsUrl(teams.workflowUrl(), { allowPrivateNetworks: true })).toBeNull();
  });

  it("is on only when TEAMS_ENABLED says so, and names the variable when it cannot tell", () => {
    const read = (env: Record<string, string>) => {
      const reader = createEnvReader(env);
      return { settings: teamsChannel.readSettings(reader), problems: reader.problems };
    };
    expect(read({})).toEqual({ settings: null, problems: [] });
    expect(read({ TEAMS_ENABLED: "false" })).toEqual({ settings: null, problems: [] });
    expect(read({ TEAMS_ENABLED: "true" })).toEqual({ settings: {}, problems: [] });
    expect(read({ TEAMS_ENABLED: "on" }).problems).toEqual(['TEAMS_ENABLED must be true or false, got "on"']);
  });
});

describe("the Teams channel, end to end", () => {
  let herald: TestHerald;
  let admin: HeraldClient;
  let webhooks: ReturnType<typeof serviceClient<typeof WebhookService>>;
  let templates: ReturnType<typeof serviceClient<typeof TemplateService>>;

  beforeAll(async () => {
    herald = await startHerald({ env: { TEAMS_ENABLED: "true" } });
    const key = await herald.apiKey(["admin"]);
    admin = connectClient(herald.url, key);
    webhooks = serviceClient(WebhookService, herald.url, key);
    templates = serviceClient(TemplateService, herald.url, key);
  });
  afterAll(() => herald.close());
  beforeEach(() => {
    teams.posts.length = 0;
  });

  /** A Teams endpoint for these categories, on a fresh workflow (or connector). */
  async function endpoint(category: string, kind: "workflow" | "connector" = "workflow") {
    const url = kind === "workflow" ? teams.workflowUrl() : teams.connectorUrl();
    const res = await webhooks.createWebhookEndpoint({ url, channel: Channel.TEAMS, categories: [category] });
    return { url, id: res.endpoint?.id as string };
  }

  async function send(category: string, extra: Parameters<HeraldClient["send"]>[0] = {}) {
    const res = await admin.send({ userIds: ["ann"], category, title: "Deployed", body: "v2 is **live**", ...extra });
    const id = res.notifications[0]?.id as string;
    return { id, deliveries: await settledDeliveries(admin, id, Channel.TEAMS, 30_000) };
  }

  it("offers Teams, and posts a Send's title, body and action URL as a card to each matching endpoint", async () => {
    const { channels } = await admin.getPreferences({ userId: "ann" });
    expect(channels).toContain(Channel.TEAMS);
    const deploys = await endpoint("deploy");
    const other = await endpoint("billing");
    const { deliveries } = await send("deploy.done", { actionUrl: "https://example.com/deploys/2" });
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ status: DeliveryStatus.SENT, target: deploys.id });
    const [post] = teams.posts;
    expect(deliveries[0]?.providerMessageId).toBe(post?.runId);
    expect(post?.body.attachments?.[0]?.content).toEqual(card);
    expect(teams.posts).toHaveLength(1);
    await webhooks.deleteWebhookEndpoint({ id: deploys.id });
    await webhooks.deleteWebhookEndpoint({ id: other.id });
  });

  it("renders a template's card with variables inside its strings, still valid JSON", async () => {
    const hook = await endpoint("tpl");
    const source = {
      type: "AdaptiveCard",
      version: "1.4",
      body: [
        { type: "TextBlock", text: "{{service}} is {{state}}", weight: "Bolder" },
        { type: "FactSet", facts: [{ title: "By", value: "{{#each people}}{{this}}; {{/each}}" }] },
      ],
    };
    await templates.upsertTemplate({
      template: {
        key: "deploy",
        channel: Channel.TEAMS,
        locale: "en",
        content: {
          case: "parts",
          value: { parts: { title: "{{service}}", text: "{{state}}", card: JSON.stringify(source) } },
        },
      },
    });
    const service = 'api "edge"\n}]}';
    const { deliveries } = await send("tpl.x", {
      templateKey: "deploy",
      data: { service, state: "up", people: ["Ann", "Bo"] },
    });
    expect(deliveries[0]?.status).toBe(DeliveryStatus.SENT);
    expect(teams.posts[0]?.body.attachments?.[0]?.content).toEqual({
      type: "AdaptiveCard",
      version: "1.4",
      body: [
        { type: "TextBlock", text: `${service} is up`, weight: "Bolder" },
        { type: "FactSet", facts: [{ title: "By", value: "Ann; Bo; " }] },
      ],
    });
    await webhooks.deleteWebhookEndpoint({ id: hook.id });
  });

  it("posts the card made of a template's title and text when it has no card of its own", async () => {
    const hook = await endpoint("plain", "connector");
    await templates.upsertTemplate({
      template: {
        key: "plain",
        channel: Channel.TEAMS,
        locale: "en",
        content: { case: "parts", value: { parts: { title: "Hi {{name}}", text: "_{{what}}_" } } },
      },
    });
    await send("plain", { templateKey: "plain", data: { name: "Ann", what: "news" } });
    expect(teams.posts[0]?.kind).toBe("connector");
    expect(teams.posts[0]?.body.attachments?.[0]?.content).toEqual(defaultCard("Hi Ann", "_news_", ""));
    await webhooks.deleteWebhookEndpoint({ id: hook.id });
  });

  it("refuses a card that is not JSON, not an Adaptive Card or too long, naming the part", async () => {
    const upsert = (cardSource: string) =>
      templates
        .upsertTemplate({
          template: {
            key: "bad",
            channel: Channel.TEAMS,
            locale: "en",
            content: { case: "parts", value: { parts: { title: "t", text: "x", card: cardSource } } },
          },
        })
        .catch((e: unknown) => ConnectError.from(e));
    const cases: Array<[string, RegExp]> = [
      ['{"type": "AdaptiveCard", "body": [}', /is not JSON/],
      ['{"type": "MessageCard", "text": "x"}', /must be an Adaptive Card/],
      ['[{"type": "AdaptiveCard"}]', /must be an Adaptive Card/],
      [JSON.stringify({ type: "AdaptiveCard", pad: "x".repeat(24_000) }), /the limit is 24,000/],
    ];
    for (const [source, problem] of cases) {
      const err = await upsert(source);
      expect(err).toMatchObject({ code: Code.InvalidArgument });
      expect((err as ConnectError).rawMessage).toMatch(/^template\.parts\.parts\["card"\]: /);
      expect((err as ConnectError).rawMessage).toMatch(problem);
    }
  });

  it("lets a Send that asks for Teams with no endpoint for its category die at once, saying so", async () => {
    const { deliveries } = await send("nobody.listens", { channels: [Channel.TEAMS] });
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ status: DeliveryStatus.DEAD, attempts: 1, target: "" });
    expect(deliveries[0]?.lastError).toBe("no Teams endpoint takes this category");
    expect(teams.posts).toHaveLength(0);
  });

  it("sends nothing to a user who turned Teams off for the category", async () => {
    const hook = await endpoint("quiet");
    await admin.updatePreferences({ userId: "ann", categories: { quiet: { channels: { teams: false } } } });
    const { deliveries } = await send("quiet");
    expect(deliveries.map((d) => d.status)).toEqual([DeliveryStatus.SUPPRESSED]);
    expect(teams.posts).toHaveLength(0);
    await webhooks.deleteWebhookEndpoint({ id: hook.id });
  });

  it("honours a 429's Retry-After and retries a connector's throttling text, then posts once", async () => {
    const hook = await endpoint("busy");
    teams.failNext(1, { status: 429, retryAfter: "1" });
    const started = Date.now();
    const { deliveries } = await send("busy");
    expect(deliveries[0]?.status).toBe(DeliveryStatus.SENT);
    expect(deliveries[0]?.attemptHistory.map((a) => a.error)).toEqual([expect.stringContaining("429"), ""]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(teams.posts).toHaveLength(1);

    const connector = await endpoint("busy2", "connector");
    teams.throttleConnectorNext(1);
    const throttled = await send("busy2");
    expect(throttled.deliveries[0]?.status).toBe(DeliveryStatus.SENT);
    expect(throttled.deliveries[0]?.attemptHistory).toHaveLength(2);
    await webhooks.deleteWebhookEndpoint({ id: hook.id });
    await webhooks.deleteWebhookEndpoint({ id: connector.id });
  });

  it("lets a rejected message die at once with Teams' reason, and disables an endpoint whose flow was deleted", async () => {
    const hook = await endpoint("broken");
    teams.failNext(1, {
      status: 400,
      body: JSON.stringify({ error: { code: "InvalidRequestContent", message: "The request content is not valid" } }),
    });
    const rejected = await send("broken");
    expect(rejected.deliveries[0]).toMatchObject({ status: DeliveryStatus.DEAD, attempts: 1 });
    expect(rejected.deliveries[0]?.lastError).toBe(
      "Teams answered 400: InvalidRequestContent: The request content is not valid",
    );

    teams.remove(hook.url);
    const gone = await send("broken");
    expect(gone.deliveries[0]).toMatchObject({ status: DeliveryStatus.DEAD, attempts: 1 });
    expect(gone.deliveries[0]?.lastError).toContain("404");
    const { endpoint: after } = await webhooks.getWebhookEndpoint({ id: hook.id });
    expect(after).toMatchObject({ enabled: false, disabledReason: expect.stringContaining("WorkflowNotFound") });
    expect(after?.disabledReason).not.toContain("sig=");
    const requests = teams.requestCount();
    const later = await admin.send({ userIds: ["ann"], category: "broken", title: "t", body: "b" });
    const { deliveries } = await admin.getNotification({ id: later.notifications[0]?.id as string });
    expect(deliveries.filter((d) => d.channel === Channel.TEAMS)).toEqual([]);
    expect(teams.requestCount()).toBe(requests);
    await webhooks.deleteWebhookEndpoint({ id: hook.id });
  });
});

describe("a server without TEAMS_ENABLED", () => {
  let db: TestDatabase;
  let herald: TestHerald;
  let admin: HeraldClient;
  let endpointUrl: string;
  beforeAll(async () => {
    // Teams was on, and an endpoint registered, before the server restarted without it.
    db = await createTestDatabase();
    const before = await startHerald({ db, env: { TEAMS_ENABLED: "true" } });
    endpointUrl = teams.workflowUrl();
    await serviceClient(WebhookService, before.url, await before.apiKey(["admin"])).createWebhookEndpoint({
      url: endpointUrl,
      channel: Channel.TEAMS,
    });
    await before.close();
    herald = await startHerald({ db });
    admin = connectClient(herald.url, await herald.apiKey(["admin"]));
  });
  afterAll(async () => {
    await herald.close();
    await db.close();
  });

  it("does not offer Teams: not in GetPreferences, takes no endpoints, plans no delivery", async () => {
    const { channels } = await admin.getPreferences({ userId: "ann" });
    expect(channels).not.toContain(Channel.TEAMS);
    expect(channels).toContain(Channel.IN_APP);
    const webhooks = serviceClient(WebhookService, herald.url, await herald.apiKey(["admin"]));
    const refused = await webhooks
      .createWebhookEndpoint({ url: teams.workflowUrl(), channel: Channel.TEAMS })
      .catch((e: unknown) => ConnectError.from(e));
    expect(refused).toMatchObject({ code: Code.InvalidArgument });
    expect((refused as ConnectError).rawMessage).toMatch(/^channel: "teams" takes no endpoints on this server/);

    const requests = teams.requestCount();
    const res = await admin.send({ userIds: ["ann"], category: "deploy", title: "t", body: "b" });
    const { deliveries } = await admin.getNotification({ id: res.notifications[0]?.id as string });
    expect(deliveries.map((d) => d.channel)).toEqual([Channel.IN_APP]);
    const asked = await admin
      .send({ userIds: ["ann"], category: "deploy", title: "t", body: "b", channels: [Channel.TEAMS] })
      .catch((e: unknown) => ConnectError.from(e));
    expect(asked).toMatchObject({ code: Code.InvalidArgument });
    expect((asked as ConnectError).rawMessage).toMatch(/teams/);
    expect(teams.requestCount()).toBe(requests);
  });
});
