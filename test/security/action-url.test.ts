import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, grpcJsClient, type HeraldClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { rejection } from "../helpers/wait.js";

// Item 16 (first half) of issue 9: action_url accepted `//evil.example/x` and
// `/\evil.example`, which browsers resolve to another host, so an inbox link
// could lead anywhere. Only an absolute http(s) URL with a host, or a path
// starting with a single `/`, is accepted now.

let herald: TestHerald;
let sendKey: string;
let sender: HeraldClient;

beforeAll(async () => {
  herald = await startHerald();
  sendKey = await herald.apiKey(["send"]);
  sender = connectClient(herald.url, sendKey);
});
afterAll(() => herald.close());

const base = { userIds: ["linked"], category: "links", title: "t", body: "b" };
const notificationCount = async () =>
  Number((await herald.db.query<{ n: string }>("SELECT count(*) AS n FROM notifications"))[0]?.n);

describe("action_url", () => {
  it.each([
    "//evil.example/x",
    "/\\evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    "https:///evil.example",
    "https:\\\\evil.example",
    "https://shop.example.com@evil.example/",
    "https://shop.example.com\\@evil.example/",
    "http://",
    "javascript:alert(1)",
    "data:text/html,hi",
    "ftp://files.example.com/x",
    "orders/1042",
    "https://shop.example.com/a b",
  ])("refuses %j with INVALID_ARGUMENT naming action_url, writing nothing", async (actionUrl) => {
    const before = await notificationCount();
    const err = ConnectError.from(await rejection(sender.send({ ...base, actionUrl })));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toMatch(/^action_url: must be an absolute http\(s\) URL with a host, or a path/);
    expect(await notificationCount()).toBe(before);
  });

  it("refuses a protocol-relative URL over gRPC too", async () => {
    const grpc = grpcJsClient(herald.port, sendKey);
    try {
      const err = (await rejection(grpc.send({ ...base, actionUrl: "//evil.example/x" }))) as Error & {
        code: number;
        details: string;
      };
      expect(err.code).toBe(3); // INVALID_ARGUMENT
      expect(decodeURIComponent(err.details)).toMatch(/^action_url: /);
    } finally {
      grpc.close();
    }
  });

  it.each([
    "https://shop.example.com/orders/1042",
    "http://localhost:3000/inbox?tab=all#top",
    "https://shop.example.com",
    "https://shop.example.com:8443/a/b?next=//x",
    "https://[2001:db8::1]/x",
    "https://bücher.example/katalog",
    "/",
    "/orders/1042",
    "/orders/1042?from=//inbox#//x",
    "/profile/@ada",
  ])("accepts %j and gives it back unchanged", async (actionUrl) => {
    const res = await sender.send({ ...base, actionUrl });
    expect(res.notifications[0]?.actionUrl).toBe(actionUrl);
  });
});
