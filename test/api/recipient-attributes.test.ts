import type { JsonObject } from "@bufbuild/protobuf";
import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

let herald: TestHerald;
let key: string;
let connect: Client<typeof RecipientService>;
let grpc: Client<typeof RecipientService>;

beforeAll(async () => {
  herald = await startHerald();
  key = await herald.apiKey(["admin"]);
  connect = serviceClient(RecipientService, herald.url, key);
  grpc = createClient(
    RecipientService,
    createGrpcTransport({
      baseUrl: herald.url,
      interceptors: [
        (next) => (req) => {
          req.header.set("Authorization", `Bearer ${key}`);
          return next(req);
        },
      ],
    }),
  );
});
afterAll(() => herald.close());

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => ConnectError.from(e),
  );

const attributesOf = async (userId: string) => (await connect.getRecipient({ userId })).recipient?.attributes;

/** An object nested `levels` deep: { a: { a: ... { a: 1 } } }, the outer object being level 1. */
function nested(levels: number): JsonObject {
  let value: JsonObject = { a: 1 };
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

describe("Recipient attributes", () => {
  const attributes = { plan: "pro", tags: ["vip", "beta"], seats: 12, billing: { overdue: false } };

  it("are stored by UpsertRecipient, read back by GetRecipient, kept when unset and cleared with {}", async () => {
    const { recipient } = await connect.upsertRecipient({ userId: "ada", attributes });
    expect(recipient?.attributes).toEqual(attributes);
    expect(await attributesOf("ada")).toEqual(attributes);

    await connect.upsertRecipient({ userId: "ada", locale: "en-GB" });
    expect(await attributesOf("ada")).toEqual(attributes);

    const replaced = await connect.upsertRecipient({ userId: "ada", attributes: { plan: "free" } });
    expect(replaced.recipient?.attributes).toEqual({ plan: "free" });

    await connect.upsertRecipient({ userId: "ada", attributes: {} });
    expect(await attributesOf("ada")).toEqual({});
    const rows = await herald.db.query<{ attributes: unknown }>(
      "SELECT attributes FROM recipients WHERE user_id = 'ada'",
    );
    expect(rows).toEqual([{ attributes: null }]);
  });

  it("are {} for a user Herald knows nothing of", async () => {
    expect(await attributesOf("nobody-yet")).toEqual({});
  });

  it("travel over gRPC too", async () => {
    await grpc.upsertRecipient({ userId: "grace", attributes });
    expect((await grpc.getRecipient({ userId: "grace" })).recipient?.attributes).toEqual(attributes);
  });

  it("refuse what Send's data refuses, naming the path, and nothing is written", async () => {
    await connect.upsertRecipient({ userId: "linus", locale: "fi", attributes: { plan: "pro" } });
    const tooDeepPath = `attributes${".a".repeat(10)}`;
    const cases: Array<[JsonObject, string]> = [
      [nested(11), `${tooDeepPath}: nests objects and lists 11 levels deep here; the limit is 10`],
      [{ blob: "x".repeat(17_000) }, "attributes: must be at most 16384 bytes as JSON"],
      [{ "bad\u0000key": 1 }, 'attributes["bad\\u0000key"]: key must not contain NUL characters'],
    ];
    for (const client of [connect, grpc]) {
      for (const [value, message] of cases) {
        const err = await refusal(client.upsertRecipient({ userId: "linus", locale: "de", attributes: value }));
        expect({ message, code: err?.code }).toEqual({ message, code: Code.InvalidArgument });
        expect(err?.rawMessage).toBe(message);
      }
    }
    const { recipient } = await connect.getRecipient({ userId: "linus" });
    expect(recipient).toMatchObject({ locale: "fi", attributes: { plan: "pro" } });
  });

  it("refuse lone surrogates, which jsonb cannot store", async () => {
    // Raw JSON: connect-es's encoder would turn the lone surrogate into U+FFFD first.
    const body = JSON.stringify({ userId: "linus", attributes: { note: "\ud800" } });
    const res = await fetch(`${herald.url}/herald.v1.RecipientService/UpsertRecipient`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: "invalid_argument",
      message: "attributes.note: must be valid Unicode (it has a lone surrogate)",
    });
    expect(await attributesOf("linus")).toEqual({ plan: "pro" });
  });

  it("accept data at the limits", async () => {
    const big = { blob: "x".repeat(16 * 1024 - '{"blob":""}'.length) };
    await connect.upsertRecipient({ userId: "margaret", attributes: big });
    expect(await attributesOf("margaret")).toEqual(big);
    await connect.upsertRecipient({ userId: "margaret", attributes: nested(10) });
    expect(await attributesOf("margaret")).toEqual(nested(10));
  });
});
