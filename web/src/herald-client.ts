import { type Client, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { NotificationService } from "../../gen/ts/herald/v1/notification_service_pb.js";

/** A NotificationService client as the browser elements use it. */
export type HeraldClient = Client<typeof NotificationService>;

export interface HeraldClientOptions {
  /** Herald's origin (and path prefix, if any), such as `https://herald.example.com`. */
  baseUrl: string;
  /**
   * A user token: a JWT the embedding app's backend minted for the signed-in
   * user. Never an API key, which would give every visitor the backend's power.
   */
  token: string;
}

/**
 * A client over the Connect protocol: unary calls and server streaming on plain
 * `fetch`, so it works over HTTP/1.1 and through proxies that do not speak
 * HTTP/2 end to end.
 */
export function createHeraldClient(options: HeraldClientOptions): HeraldClient {
  const bearer: Interceptor = (next) => (req) => {
    req.header.set("Authorization", `Bearer ${options.token}`);
    return next(req);
  };
  const transport = createConnectTransport({ baseUrl: options.baseUrl, interceptors: [bearer] });
  return createClient(NotificationService, transport);
}
