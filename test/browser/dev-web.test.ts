import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient } from "../helpers/clients.js";
import { startHerald } from "../helpers/herald.js";
import { type DevWebHerald, startDevWebHerald } from "./dev-web-herald.js";

let herald: DevWebHerald;
beforeAll(async () => {
  herald = await startDevWebHerald();
});
afterAll(() => herald?.close());

describe("development pages", () => {
  it("serves the demo page with <herald-inbox> and a user token, never an API key", async () => {
    const res = await fetch(`${herald.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    expect(html).toContain("<herald-inbox");
    expect(html).toMatch(/token="eyJ[\w-]+\.[\w-]+\.[\w-]+"/);
    expect(html).not.toContain("hk_");
    expect(html).not.toContain(herald.apiKey);
    const prefs = await (await fetch(`${herald.url}/preferences`)).text();
    expect(prefs).toContain("<herald-preferences");
    expect(prefs).not.toContain("hk_");
  });

  it("serves the element bundle as JavaScript", async () => {
    const res = await fetch(`${herald.url}/herald-inbox.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/javascript");
    const js = await res.text();
    expect(js).toContain('customElements.define("herald-inbox"');
    expect(js).not.toContain("hk_");
  });

  it("serves the push service worker as a classic script, and the inbox names it", async () => {
    const res = await fetch(`${herald.url}/herald-push-sw.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/javascript");
    const js = await res.text();
    expect(js).toContain('addEventListener("push"');
    expect(js).not.toMatch(/^\s*(import|export)\s/m);
    expect(await (await fetch(`${herald.url}/`)).text()).toContain('push-worker="/herald-push-sw.js"');
  });

  it("POST /dev/send sends the demo user a notification server-side", async () => {
    const res = await fetch(`${herald.url}/dev/send`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ title: "From the form", body: "Sent by the dev server", category: "demo" }),
    });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    const list = await connectClient(herald.url, herald.apiKey).list({ userId: "demo-user" });
    expect(list.notifications.map((n) => [n.id, n.title])).toContainEqual([id, "From the form"]);
  });

  it("POST /dev/send can tag the notification `mention` and give it the demo's action buttons", async () => {
    const res = await fetch(`${herald.url}/dev/send`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ title: "With actions", body: "b", category: "demo", mention: true, withActions: true }),
    });
    const { id } = (await res.json()) as { id: string };
    const list = await connectClient(herald.url, herald.apiKey).list({ userId: "demo-user", tags: ["mention"] });
    const sent = list.notifications.find((n) => n.id === id);
    expect(sent?.tags).toEqual(["mention"]);
    expect(sent?.actions.map((a) => [a.id, a.url])).toEqual([
      ["approve", ""],
      ["decline", ""],
      ["details", "/preferences"],
    ]);
  });

  it("POST /dev/send reports invalid input as 400 with Herald's message", async () => {
    const res = await fetch(`${herald.url}/dev/send`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ title: "t", body: "b", category: "Not A Category" }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^category/);
    const notJson = await fetch(`${herald.url}/dev/send`, { method: "POST", body: "title=x" });
    expect(notJson.status).toBe(400);
  });

  it("never lets another website read a page's token or send through POST /dev/send", async () => {
    const evil = { Origin: "http://evil.example" };
    const page = await fetch(`${herald.url}/`, { headers: evil });
    // Without CORS headers the browser keeps the page (and its token) from evil.example's script.
    expect(page.headers.get("access-control-allow-origin")).toBeNull();
    expect(
      (await fetch(`${herald.url}/preferences`, { headers: evil })).headers.get("access-control-allow-origin"),
    ).toBeNull();
    const body = JSON.stringify({ title: "CSRF", body: "b", category: "demo" });
    const crossSite = await fetch(`${herald.url}/dev/send`, {
      method: "POST",
      headers: { ...evil, "Content-Type": "application/json" },
      body,
    });
    expect(crossSite.status).toBe(403);
    const list = await connectClient(herald.url, herald.apiKey).list({ userId: "demo-user" });
    expect(list.notifications.map((n) => n.title)).not.toContain("CSRF");

    // The page's own origin may send; the API itself keeps its configured CORS.
    const sameOrigin = await fetch(`${herald.url}/dev/send`, {
      method: "POST",
      headers: { Origin: herald.url, "Content-Type": "application/json" },
      body: JSON.stringify({ title: "Same origin", body: "b", category: "demo" }),
    });
    expect(sameOrigin.status).toBe(200);
    const api = await fetch(`${herald.url}/herald.v1.NotificationService/List`, {
      method: "POST",
      headers: { ...evil, "Content-Type": "application/json" },
      body: "{}",
    });
    expect(api.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("refuses a host name other than localhost, so DNS rebinding gets no token", async () => {
    const { port } = new URL(herald.url);
    const rebound = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      // fetch() does not let a caller set Host; node:http does.
      const req = http.get({ host: "127.0.0.1", port, path: "/", headers: { Host: `evil.example:${port}` } }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => {
          body += d.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
    });
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toMatch(/eyJ/);
    expect((await fetch(`http://localhost:${port}/`)).status).toBe(200);
  });

  // Starting a second Herald (its own database, migrations, streams) takes a
  // while on a busy machine: a budget of its own.
  it("is not part of a server started without the development routes", async () => {
    const plain = await startHerald();
    try {
      const send = await fetch(`${plain.url}/dev/send`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ title: "t", body: "b" }),
      });
      expect(send.status).toBe(404);
      expect((await fetch(`${plain.url}/herald-inbox.js`)).status).toBe(404);
      const page = await fetch(`${plain.url}/`);
      expect(await page.text()).not.toContain("<herald-inbox");
    } finally {
      await plain.close();
    }
  }, 120_000);
});
