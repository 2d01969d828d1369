import type { Interceptor, Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";

/** Sends `key` (an API key or a user token) as the bearer credential of every call. */
export const bearer =
  (key: string): Interceptor =>
  (next) =>
  (req) => {
    req.header.set("Authorization", `Bearer ${key}`);
    return next(req);
  };

/** A gRPC transport to `baseUrl` that calls with `key`. */
export function grpcWithKey(baseUrl: string, key: string): Transport {
  return createGrpcTransport({ baseUrl, interceptors: [bearer(key)] });
}
