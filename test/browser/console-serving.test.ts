import http from "node:http";
import net from "node:net";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConsoleRoutes } from "../../src/api/console-routes.js";
import { loadConfig } from "../../src/config.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

// How Herald serves the console (no browser needed): the shell's security
// headers, the bundle, the public config, and what stays out of reach.
let herald: TestHerald;
let plain: TestHerald;
beforeAll(async () => {
  herald = await startHerald({
    env: { CONSOLE_ENABLED: "true", CONSOLE_TRACE_URL: "https://traces.example.com/trace/{traceId}" },
  });
  plain = await startHerald();
});
afterAll(async () => {
  await herald?.close();
  await plain?.close();
});

describe("with CONSOLE_ENABLED=true", () => {
  it("serves the shell at /console and /console/ with a strict policy and no inline script", async () => {
    for (const path of ["/console", "/console/"]) {
      const res = await fetch(`${herald.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      expect(res.headers.get("cache-control")).toBe("no-store");
      const html = await res.text();
      expect(html).toContain('<script type="module" src="/console/app.js"></script>');
      // Every script has a src: nothing inline for the policy to allow.
      expect(html.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toBeNull();
    }
  });

  it("serves the bundle, its CSS (uPlot's included) and the public config", async () => {
    const js = await fetch(`${herald.url}/console/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const etag = js.headers.get("etag") as string;
    expect((await js.text()).length).toBeGreaterThan(10_000);
    const again = await fetch(`${herald.url}/console/app.js`, { headers: { "If-None-Match": etag } });
    expect(again.status).toBe(304);
    const css = await fetch(`${herald.url}/console/app.css`);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(await css.text()).toContain(".uplot");
    const config = await fetch(`${herald.url}/console/config.json`);
    expect(config.headers.get("cache-control")).toBe("no-store");
    expect(await config.json()).toEqual({ oidc: null, traceUrl: "https://traces.example.com/trace/{traceId}" });
  });

  it("sends the bundle gzipped to a client that takes gzip, with its own ETag, and plain otherwise", async () => {
    const get = (headers: Record<string, string>) =>
      new Promise<{ status?: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        http
          .get(`${herald.url}/console/app.js`, { headers }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
          })
          .on("error", reject);
      });
    const plainJs = await get({});
    const gz = await get({ "Accept-Encoding": "br, gzip;q=0.8" });
    const refused = await get({ "Accept-Encoding": "gzip;q=0, identity" });
    expect(plainJs.headers["content-encoding"]).toBeUndefined();
    expect(refused.headers["content-encoding"]).toBeUndefined();
    expect(gz.headers["content-encoding"]).toBe("gzip");
    for (const r of [plainJs, gz]) expect(r.headers.vary).toBe("Accept-Encoding");
    expect(gunzipSync(gz.body).equals(plainJs.body)).toBe(true);
    expect(gz.body.length).toBeLessThan(plainJs.body.length / 2);
    expect(gz.headers.etag).not.toBe(plainJs.headers.etag);
    const cached = await get({ "Accept-Encoding": "gzip", "If-None-Match": gz.headers.etag as string });
    expect(cached.status).toBe(304);
  });

  it("answers other /console paths itself (404, 405), so none reaches the RPC handler", async () => {
    expect((await fetch(`${herald.url}/console/nothing-here`)).status).toBe(404);
    const rpcLike = await fetch(`${herald.url}/console/herald.v1.OperatorService/WhoAmI`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect(rpcLike.status).toBe(405);
    expect((await fetch(`${herald.url}/console/herald.v1.OperatorService/WhoAmI`)).status).toBe(404);
    expect((await fetch(`${herald.url}/console`, { method: "POST" })).status).toBe(405);
  });

  it("survives request targets that are not URLs (`//x:y`, `//[`), answering them without a crash", async () => {
    const raw = (target: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = net.connect(herald.port, "127.0.0.1", () => {
          socket.end(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
        });
        let answer = "";
        socket.on("data", (d: Buffer) => {
          answer += d.toString("latin1");
        });
        socket.on("end", () => resolve(answer.split("\r\n")[0] ?? ""));
        socket.on("error", reject);
      });
    for (const target of ["//x:y", "//[", "//%", "/console//x:y"]) {
      expect(await raw(target)).toMatch(/^HTTP\/1\.1 \d{3}/);
    }
    expect((await fetch(`${herald.url}/console/`)).status).toBe(200);
  });

  it("leaves the API, CORS and probes as they were", async () => {
    expect((await fetch(`${herald.url}/healthz`)).status).toBe(200);
    const rpc = await fetch(`${herald.url}/herald.v1.NotificationService/List`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect(rpc.status).toBe(401);
  });
});

it("without CONSOLE_ENABLED, /console is not served", async () => {
  for (const path of ["/console", "/console/", "/console/app.js", "/console/config.json"]) {
    const res = await fetch(`${plain.url}${path}`);
    expect(res.status, path).toBe(404);
  }
});

it("refuses a CONSOLE_TRACE_URL without {traceId}, naming the variable", () => {
  const base = { DATABASE_URL: "postgres://x@127.0.0.1/x", NATS_URL: "nats://127.0.0.1:4222" };
  expect(() => loadConfig({ ...base, CONSOLE_TRACE_URL: "https://traces.example.com/trace" })).toThrow(
    /CONSOLE_TRACE_URL must contain \{traceId\}/,
  );
  expect(loadConfig({ ...base, CONSOLE_ENABLED: "true" }).console).toEqual({ enabled: true, traceUrl: null });
});

it("with an OIDC issuer, lets the page reach it and tells the page about it", async () => {
  const oidc = { issuer: "https://id.example.com/realms/ops", clientId: "herald-console", name: "Example ID" };
  const routes = await createConsoleRoutes({ traceUrl: null, oidc });
  const server = http.createServer((req, res) => {
    if (!routes(req, res)) res.writeHead(418).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const csp = (await fetch(`${base}/console`)).headers.get("content-security-policy");
    expect(csp).toContain("connect-src 'self' https://id.example.com;");
    expect(await (await fetch(`${base}/console/config.json`)).json()).toEqual({ oidc, traceUrl: null });
    expect((await fetch(`${base}/herald.v1.OperatorService/WhoAmI`)).status).toBe(418); // not the console's
  } finally {
    server.close();
  }
});

it("a console that does not build stops the start with an error naming the setting and the cause", async () => {
  await expect(createConsoleRoutes({ traceUrl: null, oidc: null, webDir: "/nonexistent/console" })).rejects.toThrow(
    /CONSOLE_ENABLED is true but the console bundle did not build from \/nonexistent\/console: .*main\.ts/,
  );
});
