import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grpcJsClient } from "../helpers/clients.js";
import { connectFormatClient } from "../helpers/connect-format.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { collect, rejection, waitFor } from "../helpers/wait.js";

// Item 3 of issue 9: data nested deeper than binary readers can read back
// poisoned the inbox (List INTERNAL, Subscribe failing at that event forever).
// Send now refuses data deeper than DATA_MAX_DEPTH (default 10) on every
// protocol, and whatever it accepts reads back on every client.

let herald: TestHerald;
let sendKey: string;

beforeAll(async () => {
  herald = await startHerald();
  sendKey = await herald.apiKey(["send"]);
});
afterAll(() => herald.close());

const binaryClient = (baseUrl: string, credential: string) => connectFormatClient(baseUrl, credential, "binary");
const jsonClient = (baseUrl: string, credential: string) => connectFormatClient(baseUrl, credential, "json");

/** `{a: {a: ... {leaf: "x"}}}` with `levels` objects. */
function nested(levels: number): JsonObject {
  let value: JsonValue = { leaf: "x" };
  for (let i = 1; i < levels; i++) value = { a: value };
  return value as JsonObject;
}

/** JSON as protobufjs (the grpc-js client) takes a google.protobuf.Struct. */
function structPb(json: JsonObject): object {
  const value = (v: JsonValue): object => {
    if (v === null) return { nullValue: "NULL_VALUE" };
    if (Array.isArray(v)) return { listValue: { values: v.map(value) } };
    if (typeof v === "object") return { structValue: structPb(v) };
    if (typeof v === "string") return { stringValue: v };
    if (typeof v === "number") return { numberValue: v };
    return { boolValue: v };
  };
  return { fields: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, value(v)])) };
}

/** The JSON a protobufjs google.protobuf.Struct holds (oneofs: true gives `kind`). */
function structJson(pb: unknown): JsonObject {
  const value = (v: Record<string, unknown>): JsonValue => {
    switch (v.kind) {
      case "structValue":
        return structJson(v.structValue);
      case "listValue":
        return ((v.listValue as { values?: Record<string, unknown>[] }).values ?? []).map(value);
      case "stringValue":
        return v.stringValue as string;
      case "numberValue":
        return v.numberValue as number;
      case "boolValue":
        return v.boolValue as boolean;
      default:
        return null;
    }
  };
  const fields = (pb as { fields?: Record<string, Record<string, unknown>> }).fields ?? {};
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, value(v)]));
}

const notificationCount = async () =>
  Number((await herald.db.query<{ n: string }>("SELECT count(*) AS n FROM notifications"))[0]?.n);

const deepPath = (levels: number) => `data${".a".repeat(levels - 1)}`;

describe("nested data", () => {
  it("refuses data 11 levels deep over Connect JSON, Connect binary and gRPC, naming the path", async () => {
    const before = await notificationCount();
    const request = { userIds: ["deep-1"], category: "deep", title: "t", body: "b", data: nested(11) };

    const json = ConnectError.from(await rejection(jsonClient(herald.url, sendKey).send(request)));
    expect(json.code).toBe(Code.InvalidArgument);
    expect(json.rawMessage).toMatch(
      new RegExp(`^${deepPath(11).replaceAll(".", "\\.")}: .*11 levels deep.*limit is 10`),
    );

    // Binary bodies deeper than about 33 levels fail in the protobuf decoder,
    // before any interceptor; up to there the limit answers, the same as JSON.
    const binary = binaryClient(herald.url, sendKey);
    for (const levels of [11, 20, 30]) {
      const err = ConnectError.from(await rejection(binary.send({ ...request, data: nested(levels) })));
      expect(err.code, `binary, ${levels} levels`).toBe(Code.InvalidArgument);
      expect(err.rawMessage).toMatch(new RegExp(`^${deepPath(11).replaceAll(".", "\\.")}: `));
    }

    const grpc = grpcJsClient(herald.port, sendKey);
    try {
      for (const levels of [11, 30]) {
        const err = (await rejection(grpc.send({ ...request, data: structPb(nested(levels)) }))) as Error & {
          code: number;
          details: string;
        };
        expect(err.code, `gRPC, ${levels} levels`).toBe(3); // INVALID_ARGUMENT
        expect(decodeURIComponent(err.details)).toMatch(new RegExp(`^${deepPath(11).replaceAll(".", "\\.")}: `));
      }
    } finally {
      grpc.close();
    }
    expect(await notificationCount()).toBe(before);
  });

  it("refuses the issue's 60 levels over JSON by the limit, and deeper bodies than decoders read at the edge", async () => {
    const before = await notificationCount();
    const request = { userIds: ["deep-60"], category: "deep", title: "t", body: "b", data: nested(60) };
    const json = ConnectError.from(await rejection(jsonClient(herald.url, sendKey).send(request)));
    expect(json.code).toBe(Code.InvalidArgument);
    expect(json.rawMessage).toMatch(/^data(\.a){10}: /);
    // Past about 50 levels protobuf-es cannot decode a binary body (100
    // messages deep), nor past 100 a JSON one: the server edge answers those.
    const binary = ConnectError.from(await rejection(binaryClient(herald.url, sendKey).send(request)));
    expect(binary.code).toBe(Code.InvalidArgument);
    const veryDeep = ConnectError.from(
      await rejection(jsonClient(herald.url, sendKey).send({ ...request, data: nested(120) })),
    );
    expect(veryDeep.code).toBe(Code.InvalidArgument);
    expect(await notificationCount()).toBe(before);
  });

  it("refuses data with too many values or too long a key", async () => {
    const client = jsonClient(herald.url, sendKey);
    const base = { userIds: ["deep-2"], category: "deep", title: "t", body: "b" };
    const wide = { list: Array.from({ length: 1000 }, (_, i) => i) };
    const tooMany = ConnectError.from(await rejection(client.send({ ...base, data: wide })));
    expect(tooMany.code).toBe(Code.InvalidArgument);
    expect(tooMany.rawMessage).toBe("data: holds more than 1,000 values; the limit is 1,000");
    const longKey = ConnectError.from(await rejection(client.send({ ...base, data: { ["k".repeat(257)]: 1 } })));
    expect(longKey.code).toBe(Code.InvalidArgument);
    expect(longKey.rawMessage).toMatch(/^data\["k+…"\]: key is 257 characters long; the limit is 256$/);
  });

  it("reads back data at the limit over Connect binary, grpc-js and a Subscribe resumed from an older cursor", async () => {
    const user = "deep-reader";
    const token = await herald.userToken(user);
    const reader = binaryClient(herald.url, token);
    // An older cursor: where the feed stood before the deep notification.
    const live = new AbortController();
    const before = collect(reader.subscribe({}, { signal: live.signal }));
    const [synced] = await before.atLeast(1);
    const cursor = synced?.event?.cursor as string;

    const data = { ...nested(10), list: [[[[[[[[["nine lists in data"]]]]]]]]] };
    await jsonClient(herald.url, sendKey).send({ userIds: [user], category: "deep", title: "t", body: "b", data });

    const page = await reader.list({});
    expect(page.notifications[0]?.data).toEqual(data);

    const grpc = grpcJsClient(herald.port, token);
    try {
      const res = (await grpc.list({})) as { notifications: Array<{ data: unknown }> };
      expect(structJson(res.notifications[0]?.data)).toEqual(data);
    } finally {
      grpc.close();
    }

    // The live stream that was open got it too.
    await waitFor(() => before.items.some((r) => r.event?.kind.case === "created"), 10_000, "live event");
    live.abort();
    const abort = new AbortController();
    const resumed = collect(reader.subscribe({ cursor }, { signal: abort.signal }));
    const [created, sync] = await resumed.atLeast(2, 10_000);
    abort.abort();
    expect(created?.event?.kind.case).toBe("created");
    expect(created?.event?.kind.value).toMatchObject({ notification: { data } });
    expect(sync?.event?.kind.case).toBe("synced");
  });
});
