import { execFile } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { Code, ConnectError } from "@connectrpc/connect";
import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { connectClient, serviceClient } from "../helpers/clients.js";
import {
  createTestDatabase,
  startHerald,
  type TestDatabase,
  type TestHerald,
  uniquePrefix,
  userTokenSecret,
} from "../helpers/herald.js";
import { collect, waitFor } from "../helpers/wait.js";

const root = path.resolve(import.meta.dirname, "../..");
const hour = 3600;
const now = () => Math.floor(Date.now() / 1000);

/** An HS256 token with exactly these claims (iat and exp in seconds; null leaves one out). */
function token(sub: string, claims: { iat: number | null; exp: number }): Promise<string> {
  const jwt = new SignJWT(claims.iat === null ? {} : { iat: claims.iat })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(sub)
    .setExpirationTime(claims.exp);
  return jwt.sign(new TextEncoder().encode(userTokenSecret));
}

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => ({ code: "ok" as const, message: "" }),
    (e: unknown) => ({ code: ConnectError.from(e).code, message: ConnectError.from(e).rawMessage }),
  );

let db: TestDatabase;
let first: TestHerald;
let second: TestHerald;
let admin: ReturnType<typeof serviceClient<typeof RecipientService>>;
beforeAll(async () => {
  db = await createTestDatabase();
  const natsPrefix = uniquePrefix();
  first = await startHerald({ db, natsPrefix });
  // The second process would reload revocations only every 10 minutes: what it
  // learns sooner came over NATS.
  second = await startHerald({ db, natsPrefix, env: { USER_TOKEN_REVOCATION_REFRESH_MS: "600000" } });
  admin = serviceClient(RecipientService, first.url, await first.apiKey(["admin"]));
});
afterAll(async () => {
  await Promise.all([first?.close(), second?.close()]);
  await db?.close();
});

describe("maximum lifetime (HERALD_USER_TOKEN_MAX_TTL, 24h by default)", () => {
  it.each([
    ["exp 100 years ahead", { iat: now(), exp: now() + 100 * 365 * 24 * hour }],
    ["exp 25 hours after iat", { iat: now(), exp: now() + 25 * hour }],
    ["no iat and exp 100 years ahead", { iat: null, exp: now() + 100 * 365 * 24 * hour }],
    ["an iat in the future", { iat: now() + 100 * 365 * 24 * hour - hour, exp: now() + 100 * 365 * 24 * hour }],
  ])("refuses a token with %s", async (_, claims) => {
    const result = await outcome(connectClient(first.url, await token("long-lived", claims)).list({}));
    expect(result).toEqual({
      code: Code.Unauthenticated,
      message: "the user token lives longer than the maximum of 24h (exp - iat)",
    });
  });

  it.each([
    ["23 hours", { iat: now(), exp: now() + 23 * hour }],
    ["no iat and exp in an hour", { iat: null, exp: now() + hour }],
    ["iat a day ago and exp in an hour", { iat: now() - 23 * hour, exp: now() + hour }],
  ])("accepts a token of %s", async (_, claims) => {
    expect((await outcome(connectClient(first.url, await token("short-lived", claims)).list({}))).code).toBe("ok");
  });

  it("is configurable", async () => {
    const strict = await startHerald({ db, env: { HERALD_USER_TOKEN_MAX_TTL: "1h" } });
    try {
      const twoHours = await token("strict", { iat: now(), exp: now() + 2 * hour });
      expect((await outcome(connectClient(strict.url, twoHours).list({}))).message).toBe(
        "the user token lives longer than the maximum of 1h (exp - iat)",
      );
    } finally {
      await strict.close();
    }
  });

  it("herald token refuses a --ttl above the maximum", async () => {
    const run = (ttl: string) =>
      promisify(execFile)(process.execPath, ["--import", "tsx", "src/cli.ts", "token", "cli-user", "--ttl", ttl], {
        cwd: root,
        env: { ...process.env, HERALD_USER_TOKEN_SECRET: userTokenSecret, HERALD_USER_TOKEN_MAX_TTL: "2h" },
      });
    const refused = await run("7201").catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stderr: string }).stderr).toContain(
      "--ttl must be 1 to 7200 seconds (HERALD_USER_TOKEN_MAX_TTL)",
    );
    const minted = (await run("7200")).stdout.trim();
    expect((await outcome(connectClient(first.url, minted).list({}))).code).toBe("ok");
  });
});

describe("revocation", () => {
  it("RevokeUserTokens refuses the user's tokens on every process and ends their streams there", async () => {
    const old = await second.userToken("revoked-user");
    // Verified once, so the second process remembers the token.
    expect((await outcome(connectClient(second.url, old).list({}))).code).toBe("ok");
    const stream = collect(connectClient(second.url, old).subscribe({}));
    await stream.atLeast(1, 10_000); // synced
    const other = await second.userToken("bystander");

    const started = Date.now();
    const { revokeTime } = await admin.revokeUserTokens({ userId: "revoked-user" });
    expect(Number(revokeTime?.seconds)).toBeGreaterThan(now() - 60);
    await waitFor(
      async () => (await outcome(connectClient(second.url, old).list({}))).code === Code.Unauthenticated,
      5_000,
      "the second process to refuse the revoked token",
    );
    const delayMs = Date.now() - started;
    expect(delayMs).toBeLessThan(5_000);
    expect((await outcome(connectClient(second.url, old).list({}))).message).toBe("the user token was revoked");
    expect((await outcome(connectClient(first.url, old).list({}))).message).toBe("the user token was revoked");
    await waitFor(() => stream.ended, 5_000, "the revoked user's stream to end");
    expect((await outcome(connectClient(second.url, other).list({}))).code).toBe("ok");

    // A token issued after the revocation works (iat counts seconds: the revocation's own second is refused too).
    const fresh = await waitFor(
      async () => {
        const t = await second.userToken("revoked-user");
        return (await outcome(connectClient(second.url, t).list({}))).code === "ok" && t;
      },
      5_000,
      "a new token to work",
    );
    expect((await outcome(connectClient(first.url, fresh).list({}))).code).toBe("ok");
    expect((await outcome(connectClient(first.url, old).list({}))).code).toBe(Code.Unauthenticated);
  });

  it("a token without iat counts as issued its maximum lifetime before exp", async () => {
    const noIat = await token("no-iat-user", { iat: null, exp: now() + 23 * hour + 30 * 60 });
    expect((await outcome(connectClient(first.url, noIat).list({}))).code).toBe("ok");
    await admin.revokeUserTokens({ userId: "no-iat-user" });
    // Counted as issued at exp - 24h, which is before the revocation.
    expect((await outcome(connectClient(first.url, noIat).list({}))).message).toBe("the user token was revoked");
  });

  it("DeleteRecipient revokes the user's tokens", async () => {
    const t = await first.userToken("erased-user");
    const client = connectClient(first.url, t);
    await client.updatePreferences({ defaults: { email: false } });
    await admin.deleteRecipient({ userId: "erased-user" });
    expect((await outcome(client.list({}))).message).toBe("the user token was revoked");
    await waitFor(
      async () => (await outcome(connectClient(second.url, t).list({}))).code === Code.Unauthenticated,
      5_000,
      "the second process to refuse the erased user's token",
    );
    // The refused token could not write the preferences back.
    const rows = await db.query("SELECT 1 FROM preferences WHERE user_id = 'erased-user'");
    expect(rows).toHaveLength(0);
  });

  it("reaches a process without NATS news by its periodic reload", async () => {
    // Another NATS prefix: this process hears no announcements from the others.
    const deaf = await startHerald({ db, env: { USER_TOKEN_REVOCATION_REFRESH_MS: "500" } });
    try {
      const t = await deaf.userToken("reloaded-user");
      expect((await outcome(connectClient(deaf.url, t).list({}))).code).toBe("ok");
      await admin.revokeUserTokens({ userId: "reloaded-user" });
      await waitFor(
        async () => (await outcome(connectClient(deaf.url, t).list({}))).code === Code.Unauthenticated,
        10_000,
        "the reload to pick up the revocation",
      );
    } finally {
      await deaf.close();
    }
  });

  it("is admin only", async () => {
    const reader = serviceClient(RecipientService, first.url, await first.apiKey(["read", "send"]));
    expect((await outcome(reader.revokeUserTokens({ userId: "x" }))).code).toBe(Code.PermissionDenied);
    const user = serviceClient(RecipientService, first.url, await first.userToken("x"));
    expect((await outcome(user.revokeUserTokens({ userId: "x" }))).code).toBe(Code.PermissionDenied);
  });
});

describe("JWKS outage", () => {
  it("is UNAVAILABLE, not UNAUTHENTICATED", async () => {
    // A port nothing listens on: the identity provider is down.
    const closed = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const herald = await startHerald({
      db,
      env: { HERALD_USER_TOKEN_JWKS_URL: `http://127.0.0.1:${closed}/.well-known/jwks.json` },
    });
    try {
      const { privateKey } = await generateKeyPair("ES256");
      const t = await new SignJWT({})
        .setProtectedHeader({ alg: "ES256", kid: "k1" })
        .setSubject("jwks-user")
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(privateKey);
      const result = await outcome(connectClient(herald.url, t).list({}));
      expect(result.code).toBe(Code.Unavailable);
      expect(result.message).toMatch(/JWKS/);
    } finally {
      await herald.close();
    }
  });
});
