import http2 from "node:http2";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotificationService } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

let herald: TestHerald;
let token: string;
beforeAll(async () => {
  herald = await startHerald(); // CORS_ALLOWED_ORIGINS=https://app.example.com in tests
  token = await herald.userToken("http-user");
});
afterAll(() => herald.close());

const listUrl = () => `${herald.url}/herald.v1.NotificationService/List`;

describe("one port, HTTP/1.1 and HTTP/2", () => {
  it("serves plain JSON over HTTP/1.1 (curl, fetch)", async () => {
    const res = await fetch(listUrl(), {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: "{}",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({}); // proto3 JSON leaves out zero values
  });

  it("serves Connect GET for side-effect-free RPCs", async () => {
    const url = `${listUrl()}?encoding=json&message=${encodeURIComponent("{}")}`;
    const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
  });

  it("answers CORS preflights for allowed origins only", async () => {
    const preflight = (origin: string) =>
      fetch(listUrl(), {
        method: "OPTIONS",
        headers: {
          Origin: origin,
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "authorization,content-type",
        },
      });
    const allowed = await preflight("https://app.example.com");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(allowed.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    const denied = await preflight("https://evil.example.com");
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();
  });
});

/** One request on an HTTP/2 session; resolves with the response headers and body. */
function h2request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: Buffer | string) {
  return new Promise<{ headers: http2.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = session.request(headers);
    let responseHeaders: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    req.on("response", (h) => {
      responseHeaders = h;
    });
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve({ headers: responseHeaders, body: Buffer.concat(chunks) }));
    req.on("error", reject);
    req.end(body);
  });
}

// GRPC_SERVER picks the stack that answers gRPC on HTTP/2 connections; with
// either, the port serves every protocol over HTTP/2 cleartext.
describe.each(["grpc-js", "connect-node"] as const)("HTTP/2 cleartext with GRPC_SERVER=%s", (grpcServer) => {
  let h: TestHerald;
  let userToken: string;
  beforeAll(async () => {
    h = await startHerald({ env: { GRPC_SERVER: grpcServer } });
    userToken = await h.userToken("h2-user");
  });
  afterAll(() => h.close());

  const client = (protocol: "grpc" | "grpc-web" | "connect") => {
    const auth: Interceptor = (next) => (req) => {
      req.header.set("Authorization", `Bearer ${userToken}`);
      return next(req);
    };
    const options = { baseUrl: h.url, httpVersion: "2" as const, interceptors: [auth] };
    const transport =
      protocol === "grpc"
        ? createGrpcTransport(options)
        : protocol === "grpc-web"
          ? createGrpcWebTransport(options)
          : createConnectTransport(options);
    return createClient(NotificationService, transport);
  };

  it.each(["grpc", "grpc-web", "connect"] as const)("serves %s over HTTP/2", async (protocol) => {
    const res = await client(protocol).list({ pageSize: 5 });
    expect(res.unreadCount).toBe(0);
  });

  it("serves plain JSON, the probes and gRPC on one HTTP/2 connection", async () => {
    const session = http2.connect(h.url);
    try {
      const json = await h2request(
        session,
        {
          ":method": "POST",
          ":path": "/herald.v1.NotificationService/List",
          "content-type": "application/json",
          authorization: `Bearer ${userToken}`,
        },
        "{}",
      );
      expect(json.headers[":status"]).toBe(200);
      expect(JSON.parse(json.body.toString())).toEqual({});

      const probe = await h2request(session, { ":method": "GET", ":path": "/healthz" });
      expect(probe.headers[":status"]).toBe(200);

      // An empty ListRequest in a gRPC frame: flag 0, length 0.
      const grpc = await h2request(
        session,
        {
          ":method": "POST",
          ":path": "/herald.v1.NotificationService/List",
          "content-type": "application/grpc",
          te: "trailers",
          authorization: `Bearer ${userToken}`,
        },
        Buffer.alloc(5),
      );
      expect(grpc.headers[":status"]).toBe(200);
      // Which stack answered: grpc-js advertises its own set of encodings.
      const grpcJsAnswered = grpc.headers["grpc-accept-encoding"] === "identity,deflate,gzip";
      expect(grpcJsAnswered).toBe(grpcServer === "grpc-js");
    } finally {
      session.close();
    }
  });
});
