import { fromBinary } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RetryInfoSchema } from "../../gen/ts/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../gen/ts/google/rpc/status_pb.js";
import { connectClient, grpcJsClient, type HeraldClient } from "../helpers/clients.js";
import {
  createTestDatabase,
  startHerald,
  type TestDatabase,
  type TestHerald,
  uniquePrefix,
} from "../helpers/herald.js";

// Small limits, so a test reaches them with a few dozen calls: API keys refill
// one token a second (bursts of 10), users one a second (bursts of 4).
const limits = {
  RATE_LIMIT_API_KEY_PER_SECOND: "1",
  RATE_LIMIT_API_KEY_BURST: "10",
  RATE_LIMIT_USER_PER_SECOND: "1",
  RATE_LIMIT_USER_BURST: "4",
  RATE_LIMIT_SEND_RECIPIENTS_PER_TOKEN: "10",
  RATE_LIMIT_SYNC_INTERVAL_MS: "100",
};

let herald: TestHerald;
beforeAll(async () => {
  herald = await startHerald({ env: limits });
});
afterAll(() => herald.close());

/** Runs `call` `count` times at once; returns the errors' codes and the errors. */
async function flood(count: number, call: () => Promise<unknown>) {
  const outcomes = await Promise.all(
    Array.from({ length: count }, () =>
      call().then(
        () => null,
        (e: unknown) => ConnectError.from(e),
      ),
    ),
  );
  const errors = outcomes.filter((e): e is ConnectError => e !== null);
  return { ok: count - errors.length, errors };
}

/** A Connect call with fetch, to see the HTTP status and headers as a browser does. */
function connectFetch(url: string, credential: string, method: string, body: object) {
  return fetch(`${url}/herald.v1.NotificationService/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${credential}` },
    body: JSON.stringify(body),
  });
}

describe("per-API-key rate limit", () => {
  it("a flood from key A gets RESOURCE_EXHAUSTED with RetryInfo while key B keeps being served", async () => {
    const a = connectClient(herald.url, await herald.apiKey(["read"], "key-a"));
    const b = connectClient(herald.url, await herald.apiKey(["read"], "key-b"));
    const { ok, errors } = await flood(40, () => a.list({ userId: "flooded" }));
    expect(ok).toBeGreaterThanOrEqual(10); // the burst
    expect(errors.length).toBeGreaterThan(0);
    for (const err of errors) {
      expect(err.code).toBe(Code.ResourceExhausted);
      expect(err.rawMessage).toMatch(
        /rate limit exceeded: this API key may make 1 requests per second \(bursts of 10\)/,
      );
      const [retry] = err.findDetails(RetryInfoSchema);
      const delayMs = Number(retry?.retryDelay?.seconds ?? 0) * 1000 + (retry?.retryDelay?.nanos ?? 0) / 1e6;
      expect(delayMs).toBeGreaterThan(0);
      expect(delayMs).toBeLessThanOrEqual(1000);
    }
    // Key B has a bucket of its own.
    const served = await flood(8, () => b.list({ userId: "flooded" }));
    expect(served.ok).toBe(8);
  });

  it("Connect responses carry Retry-After and the RateLimit fields; successes carry RateLimit too", async () => {
    const key = await herald.apiKey(["read"]);
    const first = await connectFetch(herald.url, key, "List", { userId: "headers" });
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-policy")).toBe('"api-key";q=10;w=10');
    expect(first.headers.get("ratelimit")).toMatch(/^"api-key";r=9;t=\d+$/);
    let refused: Response | undefined;
    for (let i = 0; i < 30 && refused === undefined; i++) {
      const res = await connectFetch(herald.url, key, "List", { userId: "headers" });
      if (res.status !== 200) refused = res;
    }
    expect(refused?.status).toBe(429); // Connect's HTTP status for resource_exhausted
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused?.headers.get("ratelimit-policy")).toBe('"api-key";q=10;w=10');
    expect(refused?.headers.get("ratelimit")).toMatch(/^"api-key";r=0;t=\d+$/);
    const body = (await refused?.json()) as { code: string; details: Array<{ type: string }> };
    expect(body.code).toBe("resource_exhausted");
    expect(body.details.map((d) => d.type)).toEqual(["google.rpc.RetryInfo"]);
    // Browsers may read them (CORS).
    const browser = await fetch(`${herald.url}/herald.v1.NotificationService/List`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${key}`,
        origin: "https://app.example.com",
      },
      body: JSON.stringify({ userId: "headers" }),
    });
    const exposed = browser.headers.get("access-control-expose-headers")?.toLowerCase().split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(["retry-after", "ratelimit-policy", "ratelimit"]));
  });

  it.each(["grpc", "grpc-web"] as const)("RetryInfo reaches connect-es clients over %s", async (protocol) => {
    const client = connectClient(herald.url, await herald.apiKey(["read"]), protocol);
    const { errors } = await flood(30, () => client.list({ userId: "protocols" }));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]?.code).toBe(Code.ResourceExhausted);
    expect(errors[0]?.findDetails(RetryInfoSchema)[0]?.retryDelay).toBeDefined();
  });

  it("RetryInfo reaches an independent grpc-js client in the grpc-status-details-bin trailer", async () => {
    const client = grpcJsClient(herald.port, await herald.apiKey(["read"]));
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 30 }, () =>
          client.list({ userId: "grpc-js" }).then(
            () => null,
            (e: unknown) => e as { code: number; metadata: { get(k: string): unknown[] } },
          ),
        ),
      );
      const err = outcomes.find((e) => e !== null);
      expect(err?.code).toBe(8); // RESOURCE_EXHAUSTED
      const [bin] = err?.metadata.get("grpc-status-details-bin") ?? [];
      expect(bin).toBeInstanceOf(Buffer);
      const status = fromBinary(StatusSchema, bin as Buffer);
      expect(status.code).toBe(8);
      expect(status.message).toMatch(/rate limit exceeded/);
      const retry = status.details[0] && anyUnpack(status.details[0], RetryInfoSchema);
      expect(retry?.retryDelay).toBeDefined();
    } finally {
      client.close();
    }
  });

  it("a Send costs one token per 10 recipients (RATE_LIMIT_SEND_RECIPIENTS_PER_TOKEN), a full bucket at most", async () => {
    const key = await herald.apiKey(["send"]);
    const send = async (recipients: number) => {
      const res = await connectFetch(herald.url, key, "Send", {
        userIds: Array.from({ length: recipients }, (_, i) => `cost-${recipients}-${i}`),
        category: "ratelimit",
        title: "t",
        body: "b",
      });
      expect(res.status).toBe(200);
      return res.headers.get("ratelimit");
    };
    // A fresh bucket holds 10 tokens; 25 recipients cost 3.
    expect(await send(25)).toMatch(/^"api-key";r=7;/);
    const other = await herald.apiKey(["send"]);
    // 1,000 recipients would cost 100: a full bucket (10) lets it through once.
    const res = await connectFetch(herald.url, other, "Send", {
      userIds: Array.from({ length: 1000 }, (_, i) => `bulk-${i}`),
      category: "ratelimit",
      title: "t",
      body: "b",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("ratelimit")).toMatch(/^"api-key";r=0;/);
  });
});

describe("per-user rate limit", () => {
  it("one user's flood is refused while another user is served", async () => {
    const flooder = connectClient(herald.url, await herald.userToken("flooder"));
    const calm = connectClient(herald.url, await herald.userToken("calm"));
    const { ok, errors } = await flood(20, () => flooder.getPreferences({}));
    expect(ok).toBeGreaterThanOrEqual(4);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]?.rawMessage).toMatch(/this user may make 1 requests per second \(bursts of 4\)/);
    expect(errors[0]?.findDetails(RetryInfoSchema)).toHaveLength(1);
    expect((await flood(4, () => calm.getPreferences({}))).ok).toBe(4);
  });
});

describe("shared across processes", () => {
  let db: TestDatabase;
  let first: TestHerald;
  let second: TestHerald;
  beforeAll(async () => {
    db = await createTestDatabase();
    const natsPrefix = uniquePrefix();
    const env = { ...limits, RATE_LIMIT_API_KEY_BURST: "20" };
    first = await startHerald({ db, natsPrefix, env });
    second = await startHerald({ db, natsPrefix, env });
  });
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
    await db?.close();
  });

  it("a key that spent its budget on one process has no fresh budget on the other", async () => {
    const key = await first.apiKey(["read"]);
    const onFirst = connectClient(first.url, key);
    const onSecond: HeraldClient = connectClient(second.url, key);
    const spent = await flood(40, () => onFirst.list({ userId: "shared" }));
    expect(spent.errors.length).toBeGreaterThan(0);
    // The first process reports every 100 ms; give the report time to arrive.
    await new Promise((r) => setTimeout(r, 1000));
    let admitted = 0;
    for (let i = 0; i < 20; i++) {
      const outcome = await onSecond.list({ userId: "shared" }).then(
        () => "ok",
        (e: unknown) => ConnectError.from(e).code,
      );
      if (outcome === "ok") admitted++;
      else expect(outcome).toBe(Code.ResourceExhausted);
    }
    // Alone, the second process would admit its own burst of 20; shared, only
    // what refilled since (about one a second) and what it heard of late.
    expect(admitted).toBeLessThan(10);
  });
});
