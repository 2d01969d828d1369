import { setMaxListeners } from "node:events";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type HandlerContext } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Health,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../gen/ts/grpc/health/v1/health_pb.js";
import { createGrpcJsServer } from "../../src/api/grpc-js-server.js";
import { createHttpServer, type HttpHandler } from "../../src/api/http-server.js";
import { createOpenCalls } from "../../src/api/open-calls.js";
import { createRpcHandler } from "../../src/api/rpc-handler.js";
import { serviceEntry } from "../../src/api/service-entry.js";
import { collect, waitFor } from "../helpers/wait.js";

// Both RPC stacks, as build-server.ts puts them on one port, serving a service
// whose calls wait for their signal: gRPC reaches grpc-js, Connect reaches
// connect-node's router. Nothing here needs Postgres or NATS.
const calls = createOpenCalls();
const untilAborted = (ctx: HandlerContext) =>
  new Promise<never>((_, reject) => {
    const fail = () => reject(ctx.signal.reason);
    if (ctx.signal.aborted) fail();
    else ctx.signal.addEventListener("abort", fail, { once: true });
  });
// One response message object for every stream that asks for "shared", as the
// live feed hands one event to many streams; its field reads count its encodes.
let sharedReads = 0;
const shared = create(HealthCheckResponseSchema);
Object.defineProperty(shared, "status", {
  enumerable: true,
  get: () => {
    sharedReads++;
    return ServingStatus.SERVING;
  },
});
const entries = [
  serviceEntry(Health, {
    async check(req, ctx) {
      if (req.service === "now") return { status: ServingStatus.SERVING };
      return await untilAborted(ctx);
    },
    async *watch(req, ctx) {
      yield req.service === "shared" ? shared : { status: ServingStatus.SERVING };
      await untilAborted(ctx);
    },
  }),
];
const limits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  maxConcurrentStreams: 1000,
  resetBurst: 1000,
  resetsPerSecond: 1000,
};
const rpc = createRpcHandler({
  routes: (router) => {
    for (const [service, impl] of entries) router.service(service, impl);
  },
  interceptors: [],
  calls,
  readMaxBytes: 1 << 20,
  compressMinBytes: 16 * 1024,
  maxTimeoutMs: 60_000,
  bodyTimeoutMs: 10_000,
  logger: pino({ level: "silent" }),
});
const handle: HttpHandler = (req, res) => rpc(req, res);
const grpcJs = createGrpcJsServer({
  services: entries,
  interceptors: [],
  calls,
  readMaxBytes: 1 << 20,
  otherRequests: handle,
  limits,
});
const server = createHttpServer(handle, limits, grpcJs);
let baseUrl = "";
beforeAll(async () => {
  baseUrl = `http://127.0.0.1:${(await server.listen(0, "127.0.0.1")).port}`;
});
afterAll(() => server.close(1000));

const clients = () => ({
  grpc: createClient(Health, createGrpcTransport({ baseUrl })),
  connect: createClient(Health, createConnectTransport({ baseUrl, httpVersion: "1.1" })),
});

describe.each(["grpc", "connect"] as const)("a call over %s", (protocol) => {
  it("is tracked while open and forgotten when it ends, however it ends", async () => {
    const client = clients()[protocol];
    expect(calls.size).toBe(0);
    await client.check({ service: "now" });
    const leaving = new AbortController();
    setMaxListeners(0, leaving.signal);
    const streams = Array.from({ length: 20 }, () => collect(client.watch({}, { signal: leaving.signal })));
    for (const s of streams) await s.atLeast(1);
    const timedOut = client.check({ service: "later" }, { timeoutMs: 200 });
    expect(calls.size).toBeGreaterThanOrEqual(20);
    await expect(timedOut).rejects.toMatchObject({ code: Code.DeadlineExceeded });
    leaving.abort();
    for (const s of streams) await s.done;
    await waitFor(() => calls.size === 0, 5000, "every call forgotten");
  });
});

describe("a response message object streamed to many gRPC calls", () => {
  it("is encoded once, not once per stream", async () => {
    sharedReads = 0;
    toBinary(HealthCheckResponseSchema, shared);
    const readsPerEncode = sharedReads;
    expect(readsPerEncode).toBeGreaterThan(0);
    sharedReads = 0;
    const client = clients().grpc;
    const leaving = new AbortController();
    setMaxListeners(0, leaving.signal);
    const streams = Array.from({ length: 10 }, () =>
      collect(client.watch({ service: "shared" }, { signal: leaving.signal })),
    );
    for (const s of streams) expect((await s.atLeast(1))[0]?.status).toBe(ServingStatus.SERVING);
    expect(sharedReads).toBe(readsPerEncode);
    leaving.abort();
    for (const s of streams) await s.done;
  });
});

// Last: the open calls stay shut down afterwards.
describe("shutdown", () => {
  it("ends every open stream and in-flight unary call, on both stacks, with the shutdown reason", async () => {
    const { grpc, connect } = clients();
    const streams = [...Array.from({ length: 10 }, () => grpc), ...Array.from({ length: 10 }, () => connect)].map((c) =>
      collect(c.watch({})),
    );
    for (const s of streams) await s.atLeast(1);
    const unary = [grpc, connect].map((c) => c.check({ service: "later" }).catch((e: unknown) => e));
    await waitFor(() => calls.size === 22, 5000, "22 calls open");
    calls.abortAll(new ConnectError("server is shutting down", Code.Unavailable));
    for (const s of streams) {
      await s.done;
      expect(ConnectError.from(s.error)).toMatchObject({
        code: Code.Unavailable,
        rawMessage: "server is shutting down",
      });
    }
    for (const e of await Promise.all(unary)) {
      expect(ConnectError.from(e)).toMatchObject({ code: Code.Unavailable, rawMessage: "server is shutting down" });
    }
    // Calls that arrive after shutdown began are aborted at once.
    await expect(grpc.check({ service: "later" })).rejects.toMatchObject({ code: Code.Unavailable });
    await expect(connect.check({ service: "later" })).rejects.toMatchObject({ code: Code.Unavailable });
  });
});
