import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHerald, type TestHerald } from "../helpers/herald.js";

let herald: TestHerald;
let token: string;
beforeAll(async () => {
  herald = await startHerald(); // CORS_ALLOWED_ORIGINS=https://app.example.com in tests
  token = await herald.userToken("http-user");
});
afterAll(() => herald.close());

const listUrl = () => `${herald.url}/herald.v1.NotificationService/List`;

describe("one port, HTTP/1.1 and HTTP/2", () => {
  it("serves plain JSON over HTTP/1.1 (curl, fetch)", async () => {
    const res = await fetch(listUrl(), {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: "{}",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({}); // proto3 JSON leaves out zero values
  });

  it("serves Connect GET for side-effect-free RPCs", async () => {
    const url = `${listUrl()}?encoding=json&message=${encodeURIComponent("{}")}`;
    const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
  });

  it("serves HTTP/2 cleartext on the same port", async () => {
    const session = http2.connect(herald.url);
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = session.request({
          ":method": "POST",
          ":path": "/herald.v1.NotificationService/List",
          "content-type": "application/json",
          authorization: `Bearer ${token}`,
        });
        req.on("response", (headers) => resolve(Number(headers[":status"])));
        req.on("error", reject);
        req.end("{}");
      });
      expect(status).toBe(200);
    } finally {
      session.close();
    }
  });

  it("answers CORS preflights for allowed origins only", async () => {
    const preflight = (origin: string) =>
      fetch(listUrl(), {
        method: "OPTIONS",
        headers: {
          Origin: origin,
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "authorization,content-type",
        },
      });
    const allowed = await preflight("https://app.example.com");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(allowed.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    const denied = await preflight("https://evil.example.com");
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();
  });
});
