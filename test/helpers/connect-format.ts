import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { NotificationService } from "../../gen/ts/herald/v1/notification_service_pb.js";
import type { HeraldClient } from "./clients.js";

/**
 * A connect-es client speaking the Connect protocol (HTTP/1.1) with the body
 * format chosen: connect-node's transport sends binary protobuf unless told
 * otherwise, and the two decode differently on the server.
 */
export function connectFormatClient(baseUrl: string, credential: string, format: "json" | "binary"): HeraldClient {
  const bearer: Interceptor = (next) => (req) => {
    req.header.set("Authorization", `Bearer ${credential}`);
    return next(req);
  };
  return createClient(
    NotificationService,
    createConnectTransport({
      baseUrl,
      httpVersion: "1.1",
      useBinaryFormat: format === "binary",
      interceptors: [bearer],
    }),
  );
}
