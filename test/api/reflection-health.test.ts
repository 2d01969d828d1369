import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureGrpcurl } from "../../dev/grpcurl.js";
import { createTestDatabase, startHerald, type TestHerald } from "../helpers/herald.js";
import { waitFor } from "../helpers/wait.js";

let herald: TestHerald;
let grpcurl: (...args: string[]) => Promise<string>;

beforeAll(async () => {
  // grpcurl is a gRPC client that shares nothing with Herald: it learns the API
  // from reflection alone, as Postman or a developer at a terminal would.
  const bin = await ensureGrpcurl();
  herald = await startHerald();
  grpcurl = async (...args) =>
    (await promisify(execFile)(bin, ["-plaintext", ...args], { timeout: 20_000, encoding: "utf8" })).stdout;
}, 180_000);
afterAll(() => herald.close());

describe("gRPC reflection, for tools without proto files", () => {
  it("lists every service", async () => {
    const services = (await grpcurl(`127.0.0.1:${herald.port}`, "list")).trim().split("\n");
    expect(services).toEqual(
      expect.arrayContaining([
        "herald.v1.NotificationService",
        "herald.v1.RecipientService",
        "herald.v1.TemplateService",
        "herald.v1.WebhookService",
        "herald.v1.WorkflowService",
        "herald.v1.TopicService",
        "herald.v1.OperatorService",
        "herald.v1.TenantService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
      ]),
    );
  });

  it("describes services and messages, and lets grpcurl call them from reflection alone", async () => {
    const described = await grpcurl(`127.0.0.1:${herald.port}`, "describe", "herald.v1.NotificationService");
    expect(described).toContain("rpc Send ( .herald.v1.SendRequest ) returns ( .herald.v1.SendResponse )");
    expect(described).toContain(
      "rpc Subscribe ( .herald.v1.SubscribeRequest ) returns ( stream .herald.v1.SubscribeResponse )",
    );
    expect(await grpcurl(`127.0.0.1:${herald.port}`, "describe", "herald.v1.FeedEvent")).toContain("oneof kind");

    const key = await herald.apiKey(["send"]);
    const sent = JSON.parse(
      await grpcurl(
        "-H",
        `authorization: Bearer ${key}`,
        "-d",
        JSON.stringify({ user_ids: ["grpcurl-user"], category: "tools", title: "From grpcurl", body: "b" }),
        `127.0.0.1:${herald.port}`,
        "herald.v1.NotificationService/Send",
      ),
    );
    expect(sent.notifications[0]).toMatchObject({ userId: "grpcurl-user", title: "From grpcurl" });
  });
});

describe("health", () => {
  it("reports SERVING over gRPC, and ok over HTTP, while Postgres and NATS are up", async () => {
    expect(JSON.parse(await grpcurl(`127.0.0.1:${herald.port}`, "grpc.health.v1.Health/Check"))).toEqual({
      status: "SERVING",
    });
    const named = await grpcurl(
      "-d",
      '{"service":"herald.v1.NotificationService"}',
      `127.0.0.1:${herald.port}`,
      "grpc.health.v1.Health/Check",
    );
    expect(JSON.parse(named)).toEqual({ status: "SERVING" });
    const listed = JSON.parse(await grpcurl(`127.0.0.1:${herald.port}`, "grpc.health.v1.Health/List"));
    expect(listed.statuses["herald.v1.NotificationService"]).toEqual({ status: "SERVING" });
    const live = await fetch(`${herald.url}/healthz`);
    expect([live.status, await live.json()]).toEqual([200, { status: "ok" }]);
    // Delivery (JetStream's streams and consumers) is set up in the background after start.
    const ready = await waitFor(
      async () => {
        const res = await fetch(`${herald.url}/readyz`);
        return res.status === 200 ? res : undefined;
      },
      15_000,
      "/readyz to answer 200",
    );
    expect(await ready.json()).toEqual({ ready: true, postgres: true, nats: true, delivery: true });
  });

  it("reports NOT_SERVING and 503 while NATS is unreachable, and NOT_FOUND for unknown services", async () => {
    const db = await createTestDatabase();
    const cut = await startHerald({ db, env: { NATS_URL: "nats://127.0.0.1:1" } });
    try {
      const ready = await fetch(`${cut.url}/readyz`);
      expect([ready.status, await ready.json()]).toEqual([
        503,
        { ready: false, postgres: true, nats: false, delivery: false },
      ]);
      expect(JSON.parse(await grpcurl(`127.0.0.1:${cut.port}`, "grpc.health.v1.Health/Check"))).toEqual({
        status: "NOT_SERVING",
      });
      await expect(
        grpcurl("-d", '{"service":"nope.v1.Nothing"}', `127.0.0.1:${cut.port}`, "grpc.health.v1.Health/Check"),
      ).rejects.toThrow(/NotFound/);
    } finally {
      await cut.close();
      await db.close();
    }
  });
});
