import { describe, expect, it } from "vitest";
import { clickTarget, notificationFor, parsePush } from "../../web/push-worker/push-message.js";

const herald = {
  notification_id: "0190f5c2-aaaa",
  title: "New message",
  body: "Hi Ana!",
  action_url: "https://app.example.com/chat/7",
  category: "chat.message",
  priority: "high",
};
const scope = "https://app.example.com/";

describe("the service worker's push message", () => {
  it("shows Herald's payload: title, body, the id as tag (a repeated message replaces itself), the payload as data", () => {
    expect(notificationFor(parsePush(JSON.stringify(herald)))).toEqual({
      title: "New message",
      options: { body: "Hi Ana!", tag: "0190f5c2-aaaa", data: herald, requireInteraction: false },
    });
  });

  it("keeps critical notifications on screen until the user acts", () => {
    const shown = notificationFor(parsePush(JSON.stringify({ ...herald, priority: "critical" })));
    expect(shown.options.requireInteraction).toBe(true);
  });

  it("still shows a message that is not Herald's JSON, as its text, under a generic title", () => {
    expect(parsePush("plain text")).toMatchObject({ title: "New notification", body: "plain text" });
    expect(parsePush("42")).toMatchObject({ title: "New notification", body: "42" });
    expect(parsePush(null)).toMatchObject({ title: "New notification", body: "" });
    expect(parsePush('{"title": 7, "body": ["x"]}')).toMatchObject({ title: "New notification", body: "" });
    expect(notificationFor(parsePush("")).options).not.toHaveProperty("tag");
  });
});

describe("where a click on the notification leads", () => {
  it("opens http(s) URLs of any origin, and paths on the app's origin", () => {
    expect(clickTarget("https://other.example.org/x?y=1", scope)).toBe("https://other.example.org/x?y=1");
    expect(clickTarget("http://app.example.com/a", scope)).toBe("http://app.example.com/a");
    expect(clickTarget("/chat/7", scope)).toBe("https://app.example.com/chat/7");
  });

  it("never opens script or data URLs, nor anything that is not a string URL", () => {
    for (const url of ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>x</b>", "file:///etc/passwd"]) {
      expect(clickTarget(url, scope)).toBeNull();
    }
    expect(clickTarget("", scope)).toBeNull();
    expect(clickTarget(undefined, scope)).toBeNull();
    expect(clickTarget({ href: "https://x" }, scope)).toBeNull();
    expect(clickTarget("http://[bad", scope)).toBeNull();
  });
});
