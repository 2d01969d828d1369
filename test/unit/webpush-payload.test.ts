import { describe, expect, it } from "vitest";
import { MAX_PAYLOAD_BYTES, webPushPayload } from "../../src/channels/webpush-payload.js";
import type { Notification } from "../../src/domain/notification.js";

const notification = {
  id: "0190f5c2-0000-7000-8000-000000000001",
  category: "chat.message",
  actionUrl: "https://app.example.com/c/1",
  priority: "normal",
} as Notification;

describe("the Web Push payload", () => {
  it("is the documented JSON", () => {
    expect(JSON.parse(webPushPayload(notification, { title: "Hi", body: "there" }))).toEqual({
      notification_id: notification.id,
      title: "Hi",
      body: "there",
      action_url: "https://app.example.com/c/1",
      category: "chat.message",
      priority: "normal",
    });
  });

  it("cuts a body too long for one push message at a character, ending it with …", () => {
    const body = "🙂".repeat(2_000); // 8,000 bytes in UTF-8
    const payload = webPushPayload(notification, { title: "Long", body });
    expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    const parsed = JSON.parse(payload) as { body: string; title: string };
    expect(parsed.title).toBe("Long");
    expect(parsed.body.endsWith("🙂…")).toBe(true);
    expect(body.startsWith(parsed.body.slice(0, -1))).toBe(true);
    // As long as fits: one character more would not.
    const longer = JSON.stringify({ ...JSON.parse(payload), body: `${parsed.body.slice(0, -1)}🙂…` });
    expect(Buffer.byteLength(longer)).toBeGreaterThan(MAX_PAYLOAD_BYTES);
  });
});
