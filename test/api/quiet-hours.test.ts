import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { connectClient, grpcJsClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

let herald: TestHerald;
let admin: HeraldClient;

beforeAll(async () => {
  herald = await startHerald();
  admin = connectClient(herald.url, await herald.apiKey(["admin"]));
});
afterAll(() => herald.close());

const nights = {
  window: { start: { hour: 22, minute: 30 }, end: { hour: 7, minute: 0 } },
  // A test Herald offers in_app and webhook (email, push... need providers).
  channels: [Channel.IN_APP, Channel.WEBHOOK],
  timezone: "Europe/Berlin",
};

async function quietHoursRows(userId: string) {
  return herald.db.query("SELECT start_minute, end_minute, channels, timezone FROM quiet_hours WHERE user_id = $1", [
    userId,
  ]);
}

async function expectInvalid(request: Parameters<HeraldClient["updatePreferences"]>[0], field: string) {
  const err = await admin.updatePreferences(request).then(
    () => null,
    (e: unknown) => ConnectError.from(e),
  );
  expect(err?.code, `expected InvalidArgument for ${field}`).toBe(Code.InvalidArgument);
  expect(err?.rawMessage.startsWith(`${field}: `), err?.rawMessage).toBe(true);
}

describe("quiet hours in preferences", () => {
  it("are set, read back, kept by other changes and cleared", async () => {
    const user = connectClient(herald.url, await herald.userToken("qh-user"));
    expect((await user.getPreferences({})).preferences?.quietHours).toBeUndefined();

    const set = await user.updatePreferences({ quietHours: nights });
    expect(set.preferences?.quietHours).toMatchObject(nights);
    expect(await quietHoursRows("qh-user")).toEqual([
      { start_minute: 22 * 60 + 30, end_minute: 7 * 60, channels: ["in_app", "webhook"], timezone: "Europe/Berlin" },
    ]);
    expect((await user.getPreferences({})).preferences?.quietHours).toMatchObject(nights);

    // A patch of channel settings alone leaves quiet hours as they are.
    const other = await user.updatePreferences({ defaults: { sms: false } });
    expect(other.preferences?.quietHours).toMatchObject(nights);
    expect(other.preferences?.defaults?.sms).toBe(false);

    // Setting replaces them whole.
    const replaced = await user.updatePreferences({
      quietHours: { window: { start: { hour: 0, minute: 0 }, end: { hour: 6, minute: 15 } } },
    });
    expect(replaced.preferences?.quietHours).toMatchObject({
      window: { start: { hour: 0, minute: 0 }, end: { hour: 6, minute: 15 } },
      channels: [],
      timezone: "",
    });

    const cleared = await user.updatePreferences({ clearQuietHours: true });
    expect(cleared.preferences?.quietHours).toBeUndefined();
    expect((await user.getPreferences({})).preferences?.quietHours).toBeUndefined();
    expect(await quietHoursRows("qh-user")).toEqual([]);
    // Clearing none is not an error.
    await user.updatePreferences({ clearQuietHours: true });
  });

  it("an admin sets them for a user, who reads them; grpc-js sees the same", async () => {
    await admin.updatePreferences({ userId: "qh-other", quietHours: nights });
    const user = connectClient(herald.url, await herald.userToken("qh-other"));
    expect((await user.getPreferences({})).preferences?.quietHours).toMatchObject(nights);
    const client = grpcJsClient(herald.port, await herald.userToken("qh-other"));
    try {
      const res = (await client.getPreferences({})) as {
        preferences: { quietHours: { window: { start: { hour: number } }; channels: string[]; timezone: string } };
      };
      expect(res.preferences.quietHours.window.start.hour).toBe(22);
      expect(res.preferences.quietHours.channels).toEqual(["CHANNEL_IN_APP", "CHANNEL_WEBHOOK"]);
      expect(res.preferences.quietHours.timezone).toBe("Europe/Berlin");
    } finally {
      client.close();
    }
  });

  it("refuse bad input with INVALID_ARGUMENT naming the field, and write nothing", async () => {
    await admin.updatePreferences({ userId: "qh-bad", quietHours: nights });
    const before = await quietHoursRows("qh-bad");
    const [prefsBefore] = await herald.db.query("SELECT count(*)::int AS n FROM preferences WHERE user_id = 'qh-bad'");
    const bad = (change: Partial<typeof nights>) => ({
      userId: "qh-bad",
      defaults: { email: false },
      quietHours: { ...nights, ...change },
    });

    await expectInvalid(bad({ timezone: "Mars/Olympus_Mons" }), "quiet_hours.timezone");
    await expectInvalid(bad({ timezone: "+02:00" }), "quiet_hours.timezone");
    await expectInvalid({ userId: "qh-bad", quietHours: nights, clearQuietHours: true }, "clear_quiet_hours");
    await expectInvalid(
      bad({ window: { start: { hour: 7, minute: 0 }, end: { hour: 7, minute: 0 } } }),
      "quiet_hours.window",
    );
    // protovalidate's rules on the message apply too.
    await expectInvalid(
      bad({ window: { start: { hour: 24, minute: 0 }, end: { hour: 7, minute: 0 } } }),
      "quiet_hours.window.start.hour",
    );

    const { channels } = await admin.getPreferences({ userId: "qh-bad" });
    expect(channels).not.toContain(Channel.EMAIL);
    await expectInvalid(bad({ channels: [Channel.WEBHOOK, Channel.EMAIL] }), "quiet_hours.channels[1]");

    expect(await quietHoursRows("qh-bad")).toEqual(before);
    const [prefsAfter] = await herald.db.query("SELECT count(*)::int AS n FROM preferences WHERE user_id = 'qh-bad'");
    expect(prefsAfter).toEqual(prefsBefore);
  });

  it("go when the recipient is erased", async () => {
    await admin.updatePreferences({ userId: "qh-erased", quietHours: nights });
    const recipients = serviceClient(RecipientService, herald.url, await herald.apiKey(["admin"]));
    await recipients.deleteRecipient({ userId: "qh-erased" });
    expect(await quietHoursRows("qh-erased")).toEqual([]);
  });
});
