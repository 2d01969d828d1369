import { type Client, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { NotificationService } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";

/** A NotificationService client as the browser elements use it. */
export type HeraldClient = Client<typeof NotificationService>;
/** A RecipientService client (the user's own devices), as `<herald-inbox>` uses it for browser notifications. */
export type RecipientClient = Client<typeof RecipientService>;

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
  return createClient(NotificationService, userTransport(options));
}

/** A RecipientService client on the same terms: a user token reaches only that user's devices. */
export function createRecipientClient(options: HeraldClientOptions): RecipientClient {
  return createClient(RecipientService, userTransport(options));
}

function userTransport(options: HeraldClientOptions) {
  const bearer: Interceptor = (next) => (req) => {
    req.header.set("Authorization", `Bearer ${options.token}`);
    return next(req);
  };
  return createConnectTransport({ baseUrl: options.baseUrl, interceptors: [bearer] });
}
