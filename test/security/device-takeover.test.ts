import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Platform, RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

let herald: TestHerald;
beforeAll(async () => {
  herald = await startHerald();
});
afterAll(() => herald.close());

const grpcClient = (credential: string) =>
  createClient(
    RecipientService,
    createGrpcTransport({
      baseUrl: herald.url,
      interceptors: [
        (next) => (req) => {
          req.header.set("authorization", `Bearer ${credential}`);
          return next(req);
        },
      ],
    }),
  );

async function ownerOf(token: string): Promise<string | undefined> {
  const [row] = await herald.db.query<{ user_id: string }>("SELECT user_id FROM devices WHERE token = $1", [token]);
  return row?.user_id;
}

describe("a push token belongs to one user", () => {
  it.each(["connect", "grpc"] as const)(
    "over %s, another user's token cannot be taken over, and the error names nothing of theirs",
    async (protocol) => {
      const token = `fcm-of-bob-${protocol}`;
      const make = protocol === "grpc" ? grpcClient : (c: string) => serviceClient(RecipientService, herald.url, c);
      const bob = make(await herald.userToken(`bob-${protocol}`));
      const mallory = make(await herald.userToken(`mallory-${protocol}`));
      const { device } = await bob.registerDevice({ platform: Platform.ANDROID, token });
      const err = await mallory.registerDevice({ platform: Platform.ANDROID, token }).then(
        () => null,
        (e: unknown) => ConnectError.from(e),
      );
      expect(err?.code).toBe(Code.PermissionDenied);
      const said = `${err?.rawMessage} ${JSON.stringify(Object.fromEntries(err?.metadata ?? []))}`;
      expect(said).not.toContain(`bob-${protocol}`);
      expect(said).not.toContain(device?.id);
      expect(said).not.toContain(String(device?.createTime?.seconds));
      expect(said).not.toContain(new Date(Number(device?.createTime?.seconds) * 1000).toISOString().slice(0, 16));
      // Nothing moved.
      expect(await ownerOf(token)).toBe(`bob-${protocol}`);
      expect((await mallory.getRecipient({})).recipient?.devices).toEqual([]);
      expect((await bob.getRecipient({})).recipient?.devices.map((d) => d.id)).toEqual([device?.id]);
    },
  );

  it("registering one's own token again returns the same device", async () => {
    const carol = serviceClient(RecipientService, herald.url, await herald.userToken("carol"));
    const first = await carol.registerDevice({ platform: Platform.ANDROID, token: "fcm-of-carol" });
    const again = await carol.registerDevice({ platform: Platform.IOS, token: "fcm-of-carol" });
    expect(again.device?.id).toBe(first.device?.id);
    expect(again.device?.createTime).toEqual(first.device?.createTime);
    expect(again.device?.platform).toBe(Platform.IOS);
  });

  it("an admin API key may move a device to another user (it changed hands)", async () => {
    const dave = serviceClient(RecipientService, herald.url, await herald.userToken("dave"));
    const admin = serviceClient(RecipientService, herald.url, await herald.apiKey(["admin"]));
    await dave.registerDevice({ platform: Platform.ANDROID, token: "fcm-sold-phone" });
    const { device } = await admin.registerDevice({
      userId: "erin",
      platform: Platform.ANDROID,
      token: "fcm-sold-phone",
    });
    expect(device?.token).toBe("fcm-sold-phone");
    expect(await ownerOf("fcm-sold-phone")).toBe("erin");
    expect((await dave.getRecipient({})).recipient?.devices).toEqual([]);
  });
});
