import { Code, ConnectError } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/ts/grpc/health/v1/health_pb.js";
import type { HttpRoutes } from "./http-server.js";
import { type ServiceEntry, serviceEntry } from "./service-entry.js";

/** What readiness depends on. */
export interface HealthChecks {
  postgres: () => Promise<boolean>;
  nats: () => boolean;
  /** Whether delivery (JetStream streams and consumers) is set up, and the last setup error if not. */
  delivery: () => { ready: boolean; error?: string | null };
}

export type Readiness = { ready: boolean; postgres: boolean; nats: boolean; delivery: boolean; deliveryError?: string };

/** Probes Postgres, NATS and delivery; Postgres gets a short timeout so a probe never hangs. */
export async function readiness(checks: HealthChecks): Promise<Readiness> {
  const postgres = await Promise.race([
    checks.postgres().catch(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2_000).unref()),
  ]);
  const nats = checks.nats();
  const delivery = checks.delivery();
  return {
    ready: postgres && nats && delivery.ready,
    postgres,
    nats,
    delivery: delivery.ready,
    ...(typeof delivery.error === "string" && { deliveryError: delivery.error }),
  };
}

/**
 * grpc.health.v1.Health: SERVING while Postgres and NATS are reachable. The
 * empty service name means the whole server; Herald's own services report the
 * same status, as they depend on the same things.
 */
export function healthService(checks: HealthChecks, serviceNames: string[]): ServiceEntry {
  const known = new Set(["", ...serviceNames]);
  const status = async (service: string) => {
    if (!known.has(service)) throw new ConnectError(`unknown service ${service}`, Code.NotFound);
    return (await readiness(checks)).ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  };
  return serviceEntry(Health, {
    async check(req) {
      return { status: await status(req.service) };
    },
    async list() {
      const now = (await readiness(checks)).ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
      return { statuses: Object.fromEntries([...known].map((name) => [name, { status: now }])) };
    },
    async *watch(req, ctx) {
      if (!known.has(req.service)) {
        yield { status: ServingStatus.SERVICE_UNKNOWN };
        return;
      }
      let last: ServingStatus | null = null;
      while (!ctx.signal.aborted) {
        const now = await status(req.service);
        if (now !== last) yield { status: now };
        last = now;
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            ctx.signal.removeEventListener("abort", done);
            resolve();
          };
          const timer = setTimeout(done, 2_000);
          ctx.signal.addEventListener("abort", done, { once: true });
        });
      }
    },
  });
}

/**
 * HTTP probes: `/healthz` answers while the process serves (liveness);
 * `/readyz` answers 200 only while Postgres and NATS are reachable and delivery
 * is set up (readiness), 503 otherwise, with what is down and why.
 */
export function healthRoutes(checks: HealthChecks): HttpRoutes {
  return (req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method !== "GET" || (path !== "/healthz" && path !== "/readyz")) return false;
    const reply = (status: number, body: object) => {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(`${JSON.stringify(body)}\n`);
    };
    if (path === "/healthz") {
      reply(200, { status: "ok" });
    } else {
      void readiness(checks).then((r) => reply(r.ready ? 200 : 503, r));
    }
    return true;
  };
}
