import { Code, ConnectError } from "@connectrpc/connect";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey } from "../../src/auth/api-key-format.js";
import { apiKeyStore } from "../../src/store/api-key-store.js";
import { connectClient, grpcJsClient, type HeraldClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";

let herald: TestHerald;
let admin: HeraldClient;
let bobNotificationId: string;

async function codeOf(call: () => Promise<unknown>): Promise<Code | "ok"> {
  try {
    await call();
    return "ok";
  } catch (e) {
    return ConnectError.from(e).code;
  }
}

/** Calls every RPC once, as `client` would, for user `userId`. */
function everyRpc(client: HeraldClient, userId: string) {
  return {
    send: () => client.send({ userIds: [userId], category: "auth", title: "t", body: "b" }),
    list: () => client.list({ userId }),
    getNotification: () => client.getNotification({ id: bobNotificationId }),
    markRead: () => client.markRead({ userId, all: true }),
    getPreferences: () => client.getPreferences({ userId }),
    updatePreferences: () => client.updatePreferences({ userId, defaults: { email: false } }),
    subscribe: async () => {
      for await (const _ of client.subscribe({ userId })) break;
    },
  };
}

beforeAll(async () => {
  herald = await startHerald();
  admin = connectClient(herald.url, await herald.apiKey(["admin"]));
  const sent = await admin.send({ userIds: ["alice", "bob"], category: "auth", title: "t", body: "b" });
  bobNotificationId = sent.notifications[1]?.id as string;
});
afterAll(() => herald.close());

describe("without valid credentials every RPC is Unauthenticated", () => {
  const credentials: Array<[string, () => Promise<string | undefined>]> = [
    ["no Authorization header", async () => undefined],
    ["an unknown API key", async () => generateApiKey().key],
    ["a garbled API key", async () => "hk_nope"],
    ["a token signed with another secret", () => mintWith("another-secret-another-secret-32b", "alice", "1h")],
    ["an expired user token", () => mintWith("test-secret-that-is-at-least-32-bytes-long", "alice", "-1m")],
    ["a user token without exp", () => mintWith("test-secret-that-is-at-least-32-bytes-long", "alice", null)],
  ];
  it.each(credentials)("%s", async (_, credential) => {
    const client = connectClient(herald.url, await credential());
    for (const [rpc, call] of Object.entries(everyRpc(client, "alice"))) {
      expect(await codeOf(call), rpc).toBe(Code.Unauthenticated);
    }
  });

  it("a revoked API key stops working", async () => {
    const key = await herald.apiKey(["read"]);
    const client = connectClient(herald.url, key);
    expect(await codeOf(() => client.list({ userId: "alice" }))).toBe("ok");
    await apiKeyStore.revoke(herald.app.db, key.split("_")[1] as string);
    expect(await codeOf(() => client.list({ userId: "alice" }))).toBe(Code.Unauthenticated);
  });

  it("over grpc-js too", async () => {
    const client = grpcJsClient(herald.port);
    try {
      const err = (await client.list({ userId: "alice" }).catch((e: unknown) => e)) as { code: number };
      expect(err.code).toBe(16); // UNAUTHENTICATED
    } finally {
      client.close();
    }
  });
});

async function mintWith(secret: string, sub: string, exp: string | null): Promise<string> {
  let jwt = new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setIssuedAt();
  if (exp !== null) jwt = jwt.setExpirationTime(exp.startsWith("-") ? Math.floor(Date.now() / 1000) - 60 : exp);
  return jwt.sign(new TextEncoder().encode(secret));
}

describe("API key scopes", () => {
  it("each scope allows its RPCs and no others; admin allows all", async () => {
    const expected: Record<string, Record<string, "ok" | Code>> = {
      send: {
        send: "ok",
        list: Code.PermissionDenied,
        getNotification: Code.PermissionDenied,
        markRead: Code.PermissionDenied,
        getPreferences: Code.PermissionDenied,
        updatePreferences: Code.PermissionDenied,
        subscribe: Code.PermissionDenied,
      },
      read: {
        send: Code.PermissionDenied,
        list: "ok",
        getNotification: "ok",
        markRead: Code.PermissionDenied,
        getPreferences: "ok",
        updatePreferences: Code.PermissionDenied,
        subscribe: "ok",
      },
      admin: {
        send: "ok",
        list: "ok",
        getNotification: "ok",
        markRead: "ok",
        getPreferences: "ok",
        updatePreferences: "ok",
        subscribe: "ok",
      },
    };
    for (const [scope, rpcs] of Object.entries(expected)) {
      const client = connectClient(herald.url, await herald.apiKey([scope as "send" | "read" | "admin"]));
      for (const [rpc, call] of Object.entries(everyRpc(client, "scoped-user"))) {
        expect(await codeOf(call), `${scope} key calling ${rpc}`).toBe(rpcs[rpc]);
      }
    }
  });

  it("an API key must name the user", async () => {
    const client = connectClient(herald.url, await herald.apiKey(["read"]));
    const err = await client.list({}).catch((e: unknown) => ConnectError.from(e));
    expect(err).toMatchObject({ code: Code.InvalidArgument });
    expect((err as ConnectError).rawMessage).toMatch(/^user_id: /);
  });

  it("HERALD_BOOTSTRAP_API_KEY works with every scope", async () => {
    const bootstrap = generateApiKey().key;
    const second = await startHerald({ db: herald.db, env: { HERALD_BOOTSTRAP_API_KEY: bootstrap } });
    try {
      const client = connectClient(second.url, bootstrap);
      for (const [rpc, call] of Object.entries(everyRpc(client, "boot-user"))) {
        expect(await codeOf(call), rpc).toBe("ok");
      }
    } finally {
      await second.close();
    }
  });
});

describe("a user token reaches only its own user", () => {
  it("user A may not Send, nor touch user B's inbox, stream or preferences", async () => {
    const alice = connectClient(herald.url, await herald.userToken("alice"));
    const rpcs = everyRpc(alice, "bob");
    expect(await codeOf(rpcs.send), "send").toBe(Code.PermissionDenied);
    expect(await codeOf(rpcs.list), "list").toBe(Code.PermissionDenied);
    expect(await codeOf(rpcs.markRead), "markRead").toBe(Code.PermissionDenied);
    expect(await codeOf(rpcs.getPreferences), "getPreferences").toBe(Code.PermissionDenied);
    expect(await codeOf(rpcs.updatePreferences), "updatePreferences").toBe(Code.PermissionDenied);
    expect(await codeOf(rpcs.subscribe), "subscribe").toBe(Code.PermissionDenied);
    // Another user's notification is not found, so ids cannot be probed.
    expect(await codeOf(rpcs.getNotification), "getNotification").toBe(Code.NotFound);
    // Marking B's notification through A's own inbox changes nothing of B's.
    const res = await alice.markRead({ notificationIds: [bobNotificationId] });
    expect(res.changedCount).toBe(0);
    const bobsInbox = await admin.list({ userId: "bob" });
    expect(bobsInbox.unreadCount).toBe(1);
    expect(bobsInbox.notifications[0]?.readTime).toBeUndefined();
    expect((await admin.getPreferences({ userId: "bob" })).preferences?.defaults?.email).toBeUndefined();
  });

  it("user B, with an empty or own user_id, gets their own data", async () => {
    const bob = connectClient(herald.url, await herald.userToken("bob"));
    expect((await bob.list({})).notifications.map((n) => n.id)).toEqual([bobNotificationId]);
    expect((await bob.list({ userId: "bob" })).unreadCount).toBe(1);
    expect((await bob.getNotification({ id: bobNotificationId })).notification?.userId).toBe("bob");
  });
});
