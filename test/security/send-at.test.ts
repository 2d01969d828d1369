import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { grpcJsClient, type HeraldClient } from "../helpers/clients.js";
import { connectFormatClient } from "../helpers/connect-format.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { rejection } from "../helpers/wait.js";

// Item 8 of issue 9: over gRPC, send_at.seconds = 2^62 passed validation and was
// delivered at once (INTERNAL "Invalid time value" with an idempotency key),
// nanos = 2e9 was accepted, and a send_at in the year 275760 was stored. Every
// Timestamp in a request must now be one the protobuf spec allows, and send_at
// at most 365 days ahead.

let herald: TestHerald;
let adminKey: string;
let admin: HeraldClient;

beforeAll(async () => {
  herald = await startHerald();
  adminKey = await herald.apiKey(["admin"]);
  admin = connectFormatClient(herald.url, adminKey, "json");
});
afterAll(() => herald.close());

async function counts() {
  const [row] = await herald.db.query(
    `SELECT (SELECT count(*) FROM notifications) AS n, (SELECT count(*) FROM deliveries) AS d,
            (SELECT count(*) FROM idempotency_keys) AS i`,
  );
  return row;
}

const base = { userIds: ["when"], category: "later", title: "t", body: "b" };
const day = 86_400_000;

describe("send_at", () => {
  it("refuses out-of-range seconds and nanos over gRPC (grpc-js client), with and without an idempotency key", async () => {
    const before = await counts();
    const grpc = grpcJsClient(herald.port, adminKey);
    const inAWeek = Math.floor((Date.now() + 7 * day) / 1000);
    const cases: Array<[object, RegExp]> = [
      [{ sendAt: { seconds: String(2n ** 62n), nanos: 0 } }, /^send_at: must be from 0001-01-01 to 9999-12-31/],
      [
        { sendAt: { seconds: String(2n ** 62n), nanos: 0 }, idempotencyKey: "k-2-62" },
        /^send_at: must be from 0001-01-01 to 9999-12-31/,
      ],
      [{ sendAt: { seconds: inAWeek, nanos: 2_000_000_000 } }, /^send_at: nanos must be 0 to 999,999,999/],
      [{ sendAt: { seconds: inAWeek, nanos: -1 } }, /^send_at: nanos must be 0 to 999,999,999/],
      // 275760-09-13, the last day a JavaScript Date can hold.
      [{ sendAt: { seconds: 8_640_000_000_000, nanos: 0 } }, /^send_at: must be from 0001-01-01 to 9999-12-31/],
      [{ sendAt: { seconds: 253_402_300_799, nanos: 0 } }, /^send_at: must be at most 365 days ahead/],
    ];
    try {
      for (const [fields, message] of cases) {
        const err = (await rejection(grpc.send({ ...base, ...fields }))) as Error & { code: number; details: string };
        expect(err.code, JSON.stringify(fields)).toBe(3); // INVALID_ARGUMENT
        expect(decodeURIComponent(err.details)).toMatch(message);
      }
    } finally {
      grpc.close();
    }
    expect(await counts()).toEqual(before);
  });

  it("refuses a send_at more than 365 days ahead over Connect JSON", async () => {
    const before = await counts();
    for (const date of [new Date(Date.now() + 366 * day), new Date("9999-12-31T23:59:59Z")]) {
      const err = ConnectError.from(await rejection(admin.send({ ...base, sendAt: timestampFromDate(date) })));
      expect(err.code).toBe(Code.InvalidArgument);
      expect(err.rawMessage).toMatch(/^send_at: must be at most 365 days ahead/);
    }
    expect(await counts()).toEqual(before);
  });

  it("schedules a send_at within a year", async () => {
    const sendAt = { seconds: BigInt(Math.floor((Date.now() + 364 * day) / 1000)), nanos: 0 };
    const res = await admin.send({ ...base, sendAt, idempotencyKey: "within-a-year" });
    const id = res.notifications[0]?.id as string;
    const stored = await admin.getNotification({ id });
    expect(stored.notification?.sendTime?.seconds).toBe(sendAt.seconds);
    expect(stored.deliveries.map((d) => d.status)).toEqual([DeliveryStatus.SCHEDULED]);
  });
});
