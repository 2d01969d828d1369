import path from "node:path";
import type { DescService } from "@bufbuild/protobuf";
import { type Client, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { NotificationService } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { WorkflowService } from "../../gen/ts/herald/v1/workflow_service_pb.js";

const root = path.resolve(import.meta.dirname, "../..");
export type HeraldClient = Client<typeof NotificationService>;

const bearer =
  (credential: string | undefined): Interceptor =>
  (next) =>
  (req) => {
    if (credential !== undefined) req.header.set("Authorization", `Bearer ${credential}`);
    return next(req);
  };

/** A connect-es client of any of Herald's services, over Connect (HTTP/1.1). */
export function serviceClient<S extends DescService>(service: S, baseUrl: string, credential?: string): Client<S> {
  return createClient(
    service,
    createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: [bearer(credential)] }),
  );
}

export type Protocol = "grpc" | "connect" | "grpc-web";

/** A transport over the given protocol: gRPC (HTTP/2), Connect or gRPC-Web (HTTP/1.1). */
function transportFor(baseUrl: string, credential: string | undefined, protocol: Protocol) {
  const interceptors = [bearer(credential)];
  return protocol === "grpc"
    ? createGrpcTransport({ baseUrl, interceptors })
    : protocol === "grpc-web"
      ? createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors })
      : createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors });
}

/** A connect-es client over the given protocol: gRPC (HTTP/2), Connect or gRPC-Web (HTTP/1.1). */
export function connectClient(baseUrl: string, credential?: string, protocol: Protocol = "connect"): HeraldClient {
  return createClient(NotificationService, transportFor(baseUrl, credential, protocol));
}

export type WorkflowClient = Client<typeof WorkflowService>;

/** A WorkflowService client over the given protocol (gRPC reaches grpc-js, Herald's default gRPC server). */
export function workflowClient(baseUrl: string, credential?: string, protocol: Protocol = "connect"): WorkflowClient {
  return createClient(WorkflowService, transportFor(baseUrl, credential, protocol));
}

/**
 * A client built with @grpc/grpc-js from the .proto files (protobufjs underneath):
 * an independent gRPC and protobuf implementation, as other languages' clients are.
 */
export function grpcJsClient(port: number, credential?: string) {
  const definition = protoLoader.loadSync("herald/v1/notification_service.proto", {
    includeDirs: [path.join(root, "proto"), path.join(root, "third_party/protovalidate")],
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    herald: { v1: { NotificationService: grpc.ServiceClientConstructor } };
  };
  const client = new pkg.herald.v1.NotificationService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const metadata = () => {
    const md = new grpc.Metadata();
    if (credential !== undefined) md.set("authorization", `Bearer ${credential}`);
    return md;
  };
  const unary =
    (method: string) =>
    (request: object): Promise<Record<string, unknown>> =>
      new Promise((resolve, reject) => {
        const fn = client[method] as (
          req: object,
          md: grpc.Metadata,
          cb: (err: grpc.ServiceError | null, res: Record<string, unknown>) => void,
        ) => void;
        fn.call(client, request, metadata(), (err, res) => (err ? reject(err) : resolve(res)));
      });
  return {
    send: unary("Send"),
    getNotification: unary("GetNotification"),
    list: unary("List"),
    markRead: unary("MarkRead"),
    getPreferences: unary("GetPreferences"),
    updatePreferences: unary("UpdatePreferences"),
    subscribe: (request: object) =>
      (client.Subscribe as (req: object, md: grpc.Metadata) => grpc.ClientReadableStream<Record<string, unknown>>).call(
        client,
        request,
        metadata(),
      ),
    close: () => client.close(),
  };
}
