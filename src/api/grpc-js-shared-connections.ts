import http2 from "node:http2";
import type * as grpc from "@grpc/grpc-js";
import { guardHttp2Session, type Http2GuardOptions, isLiveStream } from "./http2-guard.js";

/** `application/grpc`, `application/grpc+proto`...; not `application/grpc-web`. */
function isGrpc(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/grpc(?:[+;]|$)/i.test(contentType);
}

/**
 * grpc-js answers any HTTP/2 request that is not gRPC with 415, and takes whole
 * connections, so a Connect or gRPC-Web client on HTTP/2 would be refused. Two
 * grpc-js internals let it pass those streams on instead: its content-type
 * check stays quiet for them, and they reach connect-node as Node's
 * compatibility request and response (built only for them: on a gRPC stream
 * they would send trailers of their own).
 *
 * Why carry internals: grpc-js serves gRPC `Send` 19% faster at c=32 and 35% at
 * c=64 than connect-node's gRPC path on this 2-core machine (README
 * "Architecture", `GRPC_SERVER=... npm run bench -- --only 1`), and most callers
 * are gRPC backends. The public `createConnectionInjector` hands grpc-js whole
 * connections too, so it would only serve if connections could be routed by
 * protocol before their first request, and one HTTP/2 connection may carry
 * gRPC, Connect and gRPC-Web streams alike (the protocol is in each stream's
 * HPACK-encoded content-type). So: @grpc/grpc-js is pinned to an exact
 * version, test/unit/grpc-js-internals.test.ts fails by name when these
 * internals move, the server refuses to start without them, and
 * GRPC_SERVER=connect-node serves without them.
 */
export function shareConnections(
  server: grpc.Server,
  otherRequests: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  limits: Http2GuardOptions,
) {
  const internals = server as unknown as {
    http2Servers?: Map<http2.Http2Server, unknown>;
    _verifyContentType?: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => boolean;
  };
  const servers = internals.http2Servers;
  if (!(servers instanceof Map) || servers.size !== 1 || typeof internals._verifyContentType !== "function") {
    throw new Error(
      "this @grpc/grpc-js version cannot share connections with connect-node; set GRPC_SERVER=connect-node",
    );
  }
  // Also where streams of a connection the guard just cut (or already reset)
  // are dropped before grpc-js starts a call for them.
  internals._verifyContentType = (stream, headers) => isLiveStream(stream) && isGrpc(headers["content-type"]);
  const Request = http2.Http2ServerRequest as unknown as new (
    stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
    options: undefined,
    rawHeaders: string[],
  ) => http2.Http2ServerRequest;
  const Response = http2.Http2ServerResponse as unknown as new (
    stream: http2.ServerHttp2Stream,
  ) => http2.Http2ServerResponse;
  for (const http2Server of servers.keys()) {
    // The same per-connection limits as Node's HTTP/2 server gets (http2-guard.ts).
    http2Server.on("session", (session: http2.ServerHttp2Session) => guardHttp2Session(session, limits));
    http2Server.on(
      "stream",
      (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
        if (isGrpc(headers["content-type"]) || !isLiveStream(stream)) return;
        otherRequests(new Request(stream, headers, undefined, rawHeaders), new Response(stream));
      },
    );
  }
}
