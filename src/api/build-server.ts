import type { AddressInfo } from "node:net";
import { Code, ConnectError, type ConnectRouter, type ServiceImpl } from "@connectrpc/connect";
import { createValidateInterceptor } from "@connectrpc/validate";
import type { Logger } from "pino";
import { Health } from "../../gen/ts/grpc/health/v1/health_pb.js";
import { ServerReflection as ServerReflectionV1 } from "../../gen/ts/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1Alpha } from "../../gen/ts/grpc/reflection/v1alpha/reflection_pb.js";
import { EventService } from "../../gen/ts/herald/v1/event_service_pb.js";
import { NotificationService } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { OperatorService } from "../../gen/ts/herald/v1/operator_service_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { TemplateService } from "../../gen/ts/herald/v1/template_service_pb.js";
import { TenantService } from "../../gen/ts/herald/v1/tenant_service_pb.js";
import { TopicService } from "../../gen/ts/herald/v1/topic_service_pb.js";
import { WebhookService } from "../../gen/ts/herald/v1/webhook_service_pb.js";
import { WorkflowService } from "../../gen/ts/herald/v1/workflow_service_pb.js";
import type { LimitsConfig } from "../config/limits.js";
import type { ServerConfig } from "../config/server.js";
import type { Principal } from "../domain/principal.js";
import type { NatsLink } from "../messaging/nats.js";
import type { RateLimits } from "../ratelimit/rate-limits.js";
import type { Metrics } from "../telemetry/metrics.js";
import type { UseCases } from "../usecases/index.js";
import type { WatchEvents } from "../usecases/watch-events.js";
import { createAbusePenalty } from "./abuse-penalty.js";
import { createCorsHandler } from "./cors.js";
import { edgeErrorInterceptor } from "./edge-error.js";
import { eventService } from "./event-service.js";
import { createGrpcJsServer } from "./grpc-js-server.js";
import { type HealthChecks, healthRoutes, healthService } from "./health.js";
import { type ConnectionLimits, createHttpServer, type HttpHandler, type HttpRoutes } from "./http-server.js";
import { authInterceptor, errorInterceptor, observabilityInterceptor } from "./interceptors.js";
import { notificationService } from "./notification-service.js";
import { createOpenCalls } from "./open-calls.js";
import { operatorService } from "./operator-service.js";
import { rateLimitInterceptor, sendItemAdmission } from "./rate-limit-interceptor.js";
import { recipientService } from "./recipient-service.js";
import { reflectionServices } from "./reflection.js";
import { requestShapeInterceptor } from "./request-shape-interceptor.js";
import { createRpcHandler } from "./rpc-handler.js";
import { createSendItems } from "./send-items.js";
import { type ServiceEntry, serviceEntry } from "./service-entry.js";
import { templateService } from "./template-service.js";
import { tenantService } from "./tenant-service.js";
import { topicService } from "./topic-service.js";
import { webhookService } from "./webhook-service.js";
import { workflowService } from "./workflow-service.js";

export interface ServerOptions {
  server: ServerConfig;
  /** Rate limits and the shape of request data. */
  limits: LimitsConfig;
  /** The rate limiter (per key, user and tenant), shared with the use cases that charge it too. */
  rateLimits: RateLimits;
  /** Rate-limit spending is shared on a subject under this prefix. */
  natsPrefix: string;
  useCases: UseCases;
  /** WatchEvents (EventService), built beside the other use cases from the event log's wing. */
  watchEvents: WatchEvents;
  authenticate: (authorization: string | null) => Promise<Principal>;
  checks: HealthChecks;
  /** Rate-limit spending is shared with the other processes over NATS. */
  link: NatsLink;
  metrics: Metrics;
  /** Extra HTTP routes (the development server's demo pages). */
  extraRoutes?: HttpRoutes;
  logger: Logger;
}

/** Methods whose request items are checked one by one by their handler, so that one bad item fails only itself. */
const itemsCheckedByHandler = new Set(
  [NotificationService.method.sendBatch.name, NotificationService.method.sendStream.name].map(
    (name) => `/${NotificationService.typeName}/${name}`,
  ),
);

/** Services callers reach without credentials. */
const openServices = new Set([Health.typeName, ServerReflectionV1.typeName, ServerReflectionV1Alpha.typeName]);
const herald = [
  NotificationService,
  RecipientService,
  TemplateService,
  WebhookService,
  WorkflowService,
  TopicService,
  OperatorService,
  TenantService,
  EventService,
];

/**
 * The API port, built the way connect-es's examples build theirs: services
 * over use cases, interceptors, and one listener for gRPC, gRPC-Web and
 * Connect on HTTP/2 and HTTP/1.1. Only `listen` opens a port.
 */
export function buildServer(options: ServerOptions) {
  const { server: settings, logger } = options;
  // Every call in flight, to be aborted at shutdown.
  const calls = createOpenCalls();
  const { rateLimits } = options;
  const rateLimitOptions = {
    limiter: rateLimits.limiter,
    sendRecipientsPerToken: options.limits.sendRecipientsPerToken,
  };
  const shapeLimits = {
    maxDepth: options.limits.dataMaxDepth,
    maxValues: options.limits.dataMaxValues,
    maxKeyLength: options.limits.dataMaxKeyLength,
  };
  const entries: ServiceEntry[] = [
    serviceEntry(
      NotificationService,
      notificationService(options.useCases, {
        sendItems: createSendItems({ limits: shapeLimits, logger }),
        admitStreamItem: sendItemAdmission(rateLimitOptions),
      }),
    ),
    serviceEntry(RecipientService, recipientService(options.useCases)),
    serviceEntry(TemplateService, templateService(options.useCases)),
    serviceEntry(WebhookService, webhookService(options.useCases)),
    serviceEntry(WorkflowService, workflowService(options.useCases)),
    serviceEntry(TopicService, topicService(options.useCases)),
    serviceEntry(OperatorService, operatorService(options.useCases)),
    serviceEntry(TenantService, tenantService(options.useCases)),
    serviceEntry(EventService, eventService(options.watchEvents)),
    healthService(
      options.checks,
      herald.map((s) => s.typeName),
    ),
    ...reflectionServices([...herald, Health]),
  ];
  // Order matters: spans and metrics see the final status; errors of every
  // later interceptor are mapped; callers are authenticated before their
  // requests are rate-limited and checked (shape: NUL, JSON depth,
  // timestamps; then protovalidate's field rules, which assume a sane shape).
  const interceptors = [
    observabilityInterceptor(options.metrics),
    errorInterceptor(logger),
    authInterceptor(options.authenticate, openServices),
    edgeErrorInterceptor(),
    rateLimitInterceptor(rateLimitOptions),
    // SendBatch's and SendStream's items are checked one by one (send-items.ts).
    requestShapeInterceptor(shapeLimits, itemsCheckedByHandler),
    createValidateInterceptor(),
  ];
  const rpc = createRpcHandler({
    routes: (router: ConnectRouter) => {
      for (const [service, impl] of entries) router.service(service, impl as ServiceImpl<typeof service>);
    },
    interceptors,
    calls,
    readMaxBytes: settings.requestMaxBytes,
    // Herald's messages are small and CPU is the scarce resource: compress only
    // large responses (a long List page, a bulk Send's reply).
    compressMinBytes: 16 * 1024,
    maxTimeoutMs: 5 * 60_000,
    bodyTimeoutMs: settings.requestTimeoutMs,
    logger,
  });
  const cors = createCorsHandler(settings.corsAllowedOrigins);
  const probes = healthRoutes(options.checks);
  const handle: HttpHandler = (req, res) => {
    if (cors(req, res) || probes(req, res) || options.extraRoutes?.(req, res)) return;
    rpc(req, res);
  };
  const penalty = createAbusePenalty({
    baseMs: settings.abusePenaltyBaseMs,
    maxMs: settings.abusePenaltyMaxMs,
    forgetAfterMs: 60_000,
    maxAddresses: 10_000,
  });
  const limits: ConnectionLimits = {
    headersTimeoutMs: settings.headersTimeoutMs,
    requestTimeoutMs: settings.requestTimeoutMs,
    requestStreamPaths: new Set(
      herald.flatMap((service) =>
        service.methods
          .filter((m) => m.methodKind === "client_streaming" || m.methodKind === "bidi_streaming")
          .map((m) => `/${service.typeName}/${m.name}`),
      ),
    ),
    idleTimeoutMs: settings.idleTimeoutMs,
    maxConcurrentStreams: settings.maxConcurrentStreams,
    resetBurst: settings.resetBurst,
    resetsPerSecond: settings.resetsPerSecond,
    penalty,
    onAbuse: (reason, address) => {
      options.metrics.observeConnectionCut(reason);
      if (address !== undefined) penalty.strike(address);
    },
  };
  const grpcJs =
    settings.grpcServer === "grpc-js"
      ? createGrpcJsServer({
          services: entries,
          interceptors,
          calls,
          readMaxBytes: settings.requestMaxBytes,
          otherRequests: handle,
          limits,
        })
      : undefined;
  const server = createHttpServer(handle, limits, grpcJs);
  return {
    listen: (port: number, host: string): Promise<AddressInfo> => server.listen(port, host),
    /** Ends open streams with Unavailable (clients reconnect, to another process) and closes connections. */
    async close(graceMs: number) {
      calls.abortAll(new ConnectError("server is shutting down", Code.Unavailable));
      await server.close(graceMs);
    },
  };
}
