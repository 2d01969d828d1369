import { create, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { type Value, ValueSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { SendRequestSchema, UpdatePreferencesRequestSchema } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { UpsertTemplateRequestSchema } from "../../gen/ts/herald/v1/template_service_pb.js";
import { findShapeViolations } from "../../src/api/request-shape.js";

const limits = { maxDepth: 10, maxValues: 1000, maxKeyLength: 256 };
const send = (fields: Parameters<typeof create<typeof SendRequestSchema>>[1]) =>
  findShapeViolations(SendRequestSchema, create(SendRequestSchema, fields), limits, true);

/** `{a: {a: ... "x"}}` with `levels` objects. */
function nested(levels: number): JsonObject {
  let value: JsonValue = "x";
  for (let i = 0; i < levels; i++) value = { a: value };
  return value as JsonObject;
}

describe("findShapeViolations", () => {
  it("passes a typical SendRequest", () => {
    expect(
      send({
        userIds: ["u1", "u2"],
        category: "order.shipped",
        title: "Your order shipped",
        body: "Order 1042 is on its way.",
        data: { order: { id: 1042, items: [{ sku: "a", qty: 2 }], gift: false, note: null } },
        sendAt: { seconds: 1_900_000_000n, nanos: 999_999_999 },
      }),
    ).toEqual([]);
  });

  it("finds NUL characters in every kind of string, naming the path", () => {
    expect(
      send({
        userIds: ["ok", "a\u0000"],
        title: "t\u0000",
        data: { "k\u0000": 1, a: { b: ["fine", "bad\u0000"] }, "with space": { c: "\u0000" } },
      }).map((v) => v.path),
    ).toEqual(["user_ids[1]", "title", 'data["k\\u0000"]', "data.a.b[1]", 'data["with space"].c']);
    const prefs = create(UpdatePreferencesRequestSchema, { categories: { "x\u0000": {} } });
    expect(findShapeViolations(UpdatePreferencesRequestSchema, prefs, limits)).toEqual([
      { path: 'categories["x\\u0000"]', reason: "key must not contain NUL characters" },
    ]);
  });

  it("walks nested messages and oneofs", () => {
    const req = create(UpsertTemplateRequestSchema, {
      template: { key: "k", content: { case: "inApp", value: { title: "t", body: "b\u0000" } } },
    });
    expect(findShapeViolations(UpsertTemplateRequestSchema, req, limits)).toEqual([
      { path: "template.in_app.body", reason: "must not contain NUL characters" },
    ]);
  });

  it("finds lone surrogates", () => {
    expect(send({ body: "a\ud800b", data: { k: "\udc00" } }).map((v) => v.path)).toEqual(["body", "data.k"]);
    expect(send({ body: "emoji 😀 is fine" })).toEqual([]);
  });

  it("limits depth: the field's own object is level 1", () => {
    expect(send({ data: nested(10) })).toEqual([]);
    const [violation] = send({ data: nested(11) });
    expect(violation?.path).toBe(`data${".a".repeat(10)}`);
    expect(violation?.reason).toMatch(/11 levels deep here; the limit is 10$/);
    // Lists count as levels too.
    expect(send({ data: { a: [[[[[[[[["x"]]]]]]]]] } })).toEqual([]);
    expect(send({ data: { a: [[[[[[[[[["x"]]]]]]]]]] } })[0]?.path).toBe(`data.a${"[0]".repeat(9)}`);
  });

  it("limits the number of values, reported once at the field", () => {
    const wide = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]));
    expect(send({ data: wide })).toEqual([]);
    expect(send({ data: { ...wide, extra: 1 } })).toEqual([
      { path: "data", reason: "holds more than 1,000 values; the limit is 1,000" },
    ]);
    expect(send({ data: { list: Array.from({ length: 999 }, () => 0) } })).toEqual([]);
    expect(send({ data: { list: Array.from({ length: 1000 }, () => 0) } })[0]?.path).toBe("data");
  });

  it("limits key length, showing long keys shortened", () => {
    expect(send({ data: { ["k".repeat(256)]: 1 } })).toEqual([]);
    const [violation] = send({ data: { ["k".repeat(300)]: 1 } });
    expect(violation?.path).toBe(`data["${"k".repeat(64)}…"]`);
    expect(violation?.reason).toBe("key is 300 characters long; the limit is 256");
  });

  it("finds numbers JSON cannot carry", () => {
    expect(send({ data: { n: Number.NaN, m: Number.POSITIVE_INFINITY } }).map((v) => v.path)).toEqual([
      "data.n",
      "data.m",
    ]);
  });

  it("finds timestamps the protobuf spec does not allow", () => {
    const at = (seconds: bigint, nanos = 0) => send({ sendAt: { seconds, nanos } });
    expect(at(253_402_300_799n, 999_999_999)).toEqual([]);
    expect(at(-62_135_596_800n)).toEqual([]);
    expect(at(2n ** 62n)[0]).toMatchObject({ path: "send_at", reason: expect.stringMatching(/9999-12-31/) });
    expect(at(253_402_300_800n)[0]?.path).toBe("send_at");
    expect(at(-62_135_596_801n)[0]?.path).toBe("send_at");
    expect(at(1_900_000_000n, 2_000_000_000)[0]).toMatchObject({ path: "send_at", reason: /^nanos must be/ });
    expect(at(1_900_000_000n, -1)[0]?.path).toBe("send_at");
  });

  it("walks Struct, Value and ListValue in message form too (as a Value field would hold them)", () => {
    const value = (json: JsonValue): Value => {
      if (typeof json === "string") return create(ValueSchema, { kind: { case: "stringValue", value: json } });
      if (typeof json === "number") return create(ValueSchema, { kind: { case: "numberValue", value: json } });
      if (Array.isArray(json)) {
        return create(ValueSchema, { kind: { case: "listValue", value: { values: json.map(value) } } });
      }
      const fields = Object.fromEntries(Object.entries(json as JsonObject).map(([k, v]) => [k, value(v)]));
      return create(ValueSchema, { kind: { case: "structValue", value: { fields } } });
    };
    const found = (json: JsonValue) =>
      findShapeViolations(ValueSchema, value(json), limits, true).map((v) => `${v.path}: ${v.reason}`);
    expect(found({ a: ["x", 1, { b: "y" }] })).toEqual([]);
    expect(found({ a: ["x\u0000", Number.NaN] })).toEqual([
      ".a[0]: must not contain NUL characters",
      ".a[1]: must be a finite number (JSON has no NaN)",
    ]);
    expect(found(nested(11))[0]).toMatch(/11 levels deep here; the limit is 10$/);
  });

  it("stops at the first violation unless asked for all", () => {
    const req = create(SendRequestSchema, { title: "\u0000", body: "\u0000" });
    expect(findShapeViolations(SendRequestSchema, req, limits)).toHaveLength(1);
    expect(findShapeViolations(SendRequestSchema, req, limits, true)).toHaveLength(2);
  });
});
