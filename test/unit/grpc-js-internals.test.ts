import { readFileSync } from "node:fs";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";

// src/api/grpc-js-shared-connections.ts (shareConnections) relies on internals of
// @grpc/grpc-js and on constructing Node's HTTP/2 compatibility objects from a
// raw stream; why is written there. These tests name what moved when an
// upgrade breaks them (the fix is there, or GRPC_SERVER=connect-node).
describe("the internals the grpc-js bridge relies on", () => {
  it("@grpc/grpc-js is pinned to an exact version", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { dependencies: Record<string, string> };
    expect(pkg.dependencies["@grpc/grpc-js"], "pin @grpc/grpc-js exactly").toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("a bound grpc-js Server keeps its HTTP/2 server in `http2Servers` and checks content types in `_verifyContentType`", async () => {
    const server = new grpc.Server();
    await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, port) =>
        e ? reject(e) : resolve(port),
      ),
    );
    try {
      const internals = server as unknown as { http2Servers?: unknown; _verifyContentType?: unknown };
      expect(internals.http2Servers, "grpc.Server#http2Servers moved").toBeInstanceOf(Map);
      const servers = internals.http2Servers as Map<unknown, unknown>;
      expect(servers.size).toBe(1);
      const [h2] = [...servers.keys()] as http2.Http2Server[];
      expect(typeof h2?.on, "http2Servers keys are no longer HTTP/2 servers").toBe("function");
      expect(typeof internals._verifyContentType, "grpc.Server#_verifyContentType moved").toBe("function");
      expect((internals._verifyContentType as (...a: unknown[]) => unknown).length).toBe(2);
    } finally {
      server.forceShutdown();
    }
  });

  it("Node builds its compatibility request and response from a raw HTTP/2 stream", async () => {
    type RequestCtor = new (
      s: http2.ServerHttp2Stream,
      h: http2.IncomingHttpHeaders,
      o: undefined,
      raw: string[],
    ) => http2.Http2ServerRequest;
    type ResponseCtor = new (s: http2.ServerHttp2Stream) => http2.Http2ServerResponse;
    const Request = http2.Http2ServerRequest as unknown as RequestCtor;
    const Response = http2.Http2ServerResponse as unknown as ResponseCtor;
    const server = http2.createServer();
    server.on(
      "stream",
      (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
        const req = new Request(stream, headers, undefined, rawHeaders);
        const res = new Response(stream);
        res.setHeader("content-type", "text/plain");
        res.end(`${req.method} ${req.url} ${req.headers["x-probe"]}`);
      },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const client = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = client.request({ ":method": "POST", ":path": "/probe", "x-probe": "yes" });
        let status = 0;
        let body = "";
        req.on("response", (h) => {
          status = Number(h[":status"]);
        });
        req.setEncoding("utf8");
        req.on("data", (chunk: string) => {
          body += chunk;
        });
        req.on("end", () => resolve({ status, body }));
        req.on("error", reject);
        req.end();
      });
      expect(answer).toEqual({ status: 200, body: "POST /probe yes" });
    } finally {
      client.close();
      await new Promise((r) => server.close(r));
    }
  });
});
