import type { HttpHandler } from "./http-server.js";

type NodeRequest = Parameters<HttpHandler>[0];
type NodeResponse = Parameters<HttpHandler>[1];

/**
 * Answers a path no RPC lives at, in the caller's protocol where it has one: a
 * gRPC or gRPC-Web client gets status UNIMPLEMENTED, a Connect client an
 * `unimplemented` error, anything else a line of text saying what is served.
 */
export function answerNotFound(req: NodeRequest, res: NodeResponse, path: string, services: string[]): void {
  const rpc = /^\/([A-Za-z_][\w.]*)\/([A-Za-z_]\w*)$/.exec(path);
  const message =
    rpc === null
      ? `no such path; Herald serves RPCs at /<service>/<method> (services: ${services.join(", ")}), /healthz and /readyz`
      : services.includes(rpc[1] as string)
        ? `${rpc[1]} has no method ${rpc[2]}`
        : `no service ${rpc[1]}; this server serves ${services.join(", ")}`;
  const contentType = req.headers["content-type"] ?? "";
  if (/^application\/grpc/i.test(contentType)) {
    // Trailers-only response: the status rides in the headers.
    res.writeHead(200, {
      "content-type": contentType.startsWith("application/grpc-web")
        ? "application/grpc-web+proto"
        : "application/grpc",
      "grpc-status": "12",
      "grpc-message": encodeURIComponent(message),
    });
    res.end();
    return;
  }
  if (rpc !== null && req.method === "POST") {
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ code: "unimplemented", message }));
    return;
  }
  answerUnsupported(res, 404, message);
}

/** A short plain-text answer for requests that are not RPCs Herald can take. */
export function answerUnsupported(res: NodeResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(`${message}\n`);
}
