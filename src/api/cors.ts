import type http from "node:http";
import type http2 from "node:http2";
import { cors } from "@connectrpc/connect";

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

/**
 * CORS for browsers calling with Connect or gRPC-Web. Origins are an allow-list
 * (`*` allows any); the headers are the ones connect-es documents as needed,
 * plus Authorization for Herald's bearer credentials, and the rate-limit
 * fields (Retry-After, RateLimit-Policy, RateLimit) for browsers to read.
 * Returns true when it
 * answered the request itself (a preflight).
 */
export function createCorsHandler(allowedOrigins: readonly string[]) {
  const anyOrigin = allowedOrigins.includes("*");
  const allowHeaders = [...cors.allowedHeaders, "Authorization"].join(", ");
  const exposeHeaders = [...cors.exposedHeaders, "Retry-After", "RateLimit-Policy", "RateLimit"].join(", ");
  const allowMethods = cors.allowedMethods.join(", ");

  return function handleCors(req: Request, res: Response): boolean {
    const origin = req.headers.origin;
    if (typeof origin !== "string" || !(anyOrigin || allowedOrigins.includes(origin))) return false;
    res.setHeader("Access-Control-Allow-Origin", anyOrigin ? "*" : origin);
    res.setHeader("Vary", "Origin");
    res.setHeader("Access-Control-Expose-Headers", exposeHeaders);
    if (req.method !== "OPTIONS" || req.headers["access-control-request-method"] === undefined) return false;
    res.setHeader("Access-Control-Allow-Methods", allowMethods);
    res.setHeader("Access-Control-Allow-Headers", allowHeaders);
    res.setHeader("Access-Control-Max-Age", "7200");
    res.writeHead(204);
    res.end();
    return true;
  };
}
