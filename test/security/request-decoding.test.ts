import http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotificationService, SendRequestSchema } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { connectHttp2, grpcFrame, grpcHeaders, grpcStatusOf, http2Request } from "../helpers/raw-http2.js";
import { rejection } from "../helpers/wait.js";

// Item 9 (and 16) of issue 9: a body that does not decode is the caller's
// mistake, INVALID_ARGUMENT on every protocol, after authentication, counted
// like any other call; a body over the limit gets a RESOURCE_EXHAUSTED answer,
// also over HTTP/2. Issue 10: JSON is strict, and wrong paths or types say what
// was expected.

let herald: TestHerald;
let admin: string;
beforeAll(async () => {
  herald = await startHerald();
  admin = await herald.apiKey(["admin"]);
});
afterAll(() => herald.close());

const sendPath = "/herald.v1.NotificationService/Send";
const url = (path: string) => `${herald.url}${path}`;

/** A valid SendRequest whose title bytes are replaced by an invalid UTF-8 sequence. */
function sendWithBadUtf8(): Uint8Array {
  const bytes = toBinary(
    SendRequestSchema,
    create(SendRequestSchema, { userIds: ["u"], category: "c", title: "TITLE", body: "b" }),
  );
  const at = Buffer.from(bytes).indexOf("TITLE");
  bytes.set([0xc3, 0x28, 0xff, 0xfe, 0x80], at);
  return bytes;
}
/** Bytes that are not a protobuf message: a field header that promises more than there is. */
const truncated = new Uint8Array([0x0a, 0x7f, 0x41]);

async function metric(code: string, method = "herald.v1.NotificationService/Send"): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${herald.app.metricsPort}/metrics`)).text();
  const line = text
    .split("\n")
    .find(
      (l) =>
        l.startsWith("herald_rpc_requests_total{") && l.includes(`method="${method}"`) && l.includes(`code="${code}"`),
    );
  return line === undefined ? 0 : Number(line.split(" ").at(-1));
}

async function connectUnary(body: Uint8Array | string, contentType: string, credential: string | null = admin) {
  const res = await fetch(url(sendPath), {
    method: "POST",
    headers: { "content-type": contentType, ...(credential !== null && { authorization: `Bearer ${credential}` }) },
    body,
  });
  return { status: res.status, json: (await res.json()) as { code: string; message: string } };
}

describe("bodies that do not decode", () => {
  it("are INVALID_ARGUMENT over Connect binary and JSON, after authentication, and counted", async () => {
    const before = await metric("invalid_argument");
    for (const body of [truncated, sendWithBadUtf8()]) {
      const res = await connectUnary(body, "application/proto");
      expect(res.status).toBe(400);
      expect(res.json.code).toBe("invalid_argument");
      expect(res.json.message).toMatch(/^request body is not a valid herald\.v1\.SendRequest/);
    }
    const badUtf8Json = Buffer.concat([
      Buffer.from('{"userIds":["u"],"category":"c","title":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('","body":"b"}'),
    ]);
    const json = await connectUnary(badUtf8Json, "application/json");
    expect(json.json).toMatchObject({ code: "invalid_argument", message: "request body is not valid UTF-8" });
    const notJson = await connectUnary("{not json", "application/json");
    expect(notJson.json.code).toBe("invalid_argument");
    // Without credentials the caller learns nothing about the body.
    const anonymous = await connectUnary(truncated, "application/proto", null);
    expect(anonymous.json.code).toBe("unauthenticated");
    expect(await metric("invalid_argument")).toBe(before + 4);
    expect(await herald.db.query("SELECT id FROM notifications")).toEqual([]);
  });

  it("are INVALID_ARGUMENT over gRPC and gRPC-Web, also for a streaming RPC", async () => {
    const session = await connectHttp2(herald.url);
    const token = await herald.userToken("decoder");
    try {
      for (const [path, credential] of [
        [sendPath, admin],
        ["/herald.v1.NotificationService/Subscribe", token],
      ] as const) {
        for (const contentType of ["application/grpc", "application/grpc-web+proto"]) {
          for (const body of [truncated, sendWithBadUtf8()]) {
            const res = await http2Request(
              session,
              { ...grpcHeaders(path, credential), "content-type": contentType },
              grpcFrame(body),
            );
            const status = grpcStatusOf(res);
            expect({ path, contentType, code: status.code }).toEqual({ path, contentType, code: 3 });
          }
        }
      }
      // A broken envelope (it promises 100 bytes and carries 2) over gRPC-Web.
      const broken = Buffer.from([0, 0, 0, 0, 100, 1, 2]);
      const res = await http2Request(
        session,
        { ...grpcHeaders(sendPath, admin), "content-type": "application/grpc-web+proto" },
        broken,
      );
      expect(grpcStatusOf(res)).toEqual({ code: 3, message: "request body the body ends inside an envelope" });
    } finally {
      session.close();
    }
  });

  it("rejects unknown JSON fields, naming them, instead of ignoring a typo", async () => {
    const res = await connectUnary(
      JSON.stringify({ userIds: ["u"], category: "c", title: "t", body: "b", idempotency_keys: "k" }),
      "application/json",
    );
    expect(res.json.code).toBe("invalid_argument");
    expect(res.json.message).toContain('key "idempotency_keys" is unknown');
  });
});

describe("requests over the size limit", () => {
  const sendOfBody = (bytes: number) =>
    JSON.stringify({ userIds: ["u"], category: "c", title: "t", body: "x".repeat(bytes) });
  const big = () => sendOfBody(5 * 1024 * 1024);
  /** A JSON Send on an HTTP/2 session, as the admin key. */
  const postSend = (session: http2.ClientHttp2Session, body: string) =>
    http2Request(
      session,
      { ":method": "POST", ":path": sendPath, "content-type": "application/json", authorization: `Bearer ${admin}` },
      body,
    );

  it("get a resource_exhausted answer over HTTP/2, not a reset stream", async () => {
    const session = await connectHttp2(herald.url);
    try {
      const res = await postSend(session, big());
      expect(res.headers[":status"]).toBe(429);
      expect(JSON.parse(res.body.toString())).toMatchObject({ code: "resource_exhausted" });
      // The session still serves.
      const after = await postSend(session, sendOfBody(1));
      expect(after.headers[":status"]).toBe(200);
    } finally {
      session.close();
    }
  });

  it("reach a connect-es client over HTTP/2 as ResourceExhausted", async () => {
    const client = createClient(
      NotificationService,
      createConnectTransport({
        baseUrl: herald.url,
        httpVersion: "2",
        interceptors: [
          (next) => (req) => {
            req.header.set("authorization", `Bearer ${admin}`);
            return next(req);
          },
        ],
      }),
    );
    // Several times: the client is still writing when the answer comes, and a
    // stream reset right after it used to reach the client first now and then
    // ("Premature close", Unknown).
    for (let i = 0; i < 8; i++) {
      const error = ConnectError.from(
        await rejection(client.send({ userIds: ["u"], category: "c", title: "t", body: "x".repeat(5 * 1024 * 1024) })),
      );
      expect(error.code, error.message).toBe(Code.ResourceExhausted);
      expect(error.message).toContain("larger than");
    }
  });

  it("stop reading beyond twice the limit over HTTP/2: the answer, then a reset stream; the session still serves", async () => {
    const session = await connectHttp2(herald.url);
    try {
      const res = await postSend(session, sendOfBody(12 * 1024 * 1024));
      expect(res.headers[":status"]).toBe(429);
      expect(res.rstCode).toBe(http2.constants.NGHTTP2_NO_ERROR);
      const after = await postSend(session, sendOfBody(1));
      expect(after.headers[":status"]).toBe(200);
    } finally {
      session.close();
    }
  });

  it("get a resource_exhausted answer over HTTP/1.1", async () => {
    const res = await connectUnary(big(), "application/json");
    expect(res.status).toBe(429);
    expect(res.json.code).toBe("resource_exhausted");
  });
});

describe("requests Herald cannot take", () => {
  it("say which Content-Types are expected", async () => {
    const res = await fetch(url(sendPath), {
      method: "POST",
      headers: { "content-type": "text/plain", authorization: `Bearer ${admin}` },
      body: "hello",
    });
    expect(res.status).toBe(415);
    expect(await res.text()).toMatch(/unsupported Content-Type "text\/plain" for Send; use application\/json/);
  });

  it("say what is served at an unknown path or method", async () => {
    const method = await fetch(url("/herald.v1.NotificationService/Sned"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(method.status).toBe(404);
    expect(await method.json()).toEqual({
      code: "unimplemented",
      message: "herald.v1.NotificationService has no method Sned",
    });
    const service = await fetch(url("/herald.v9.Nope/Send"), { method: "POST", body: "{}" });
    expect(((await service.json()) as { message: string }).message).toContain(
      `no service herald.v9.Nope; this server serves ${NotificationService.typeName}`,
    );
    const page = await fetch(url("/nothing-here"));
    expect(page.status).toBe(404);
    expect(await page.text()).toMatch(/Herald serves RPCs at \/<service>\/<method>/);
    const get = await fetch(url(sendPath));
    expect(get.status).toBe(405);
    expect(await get.text()).toMatch(/Send takes POST/);
  });
});
