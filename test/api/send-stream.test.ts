import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  NotificationService,
  type SendStreamRequest,
  SendStreamRequestSchema,
  type SendStreamResponse,
} from "../../gen/ts/herald/v1/notification_service_pb.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { pushable } from "../helpers/pushable.js";
import { collect } from "../helpers/wait.js";

let herald: TestHerald;

beforeAll(async () => {
  herald = await startHerald({
    env: { RATE_LIMIT_API_KEY_PER_SECOND: "0", SEND_STREAMS_PER_KEY: "2", SEND_STREAM_WINDOW: "4" },
  });
});
afterAll(() => herald.close());

type Protocol = "grpc" | "connect-h2";

function streamClient(credential: string, protocol: Protocol, baseUrl = herald.url) {
  const interceptors = [
    (next: (r: never) => never) => (req: { header: Headers }) => {
      req.header.set("Authorization", `Bearer ${credential}`);
      return next(req as never);
    },
  ];
  const transport =
    protocol === "grpc"
      ? createGrpcTransport({ baseUrl, interceptors: interceptors as never })
      : createConnectTransport({ baseUrl, httpVersion: "2", interceptors: interceptors as never });
  return createClient(NotificationService, transport);
}

const request = (userId: string, title: string, ref: string, extra: object = {}): SendStreamRequest =>
  create(SendStreamRequestSchema, {
    ref,
    send: { userIds: [userId], category: "stream", title, body: "b", ...extra },
  });

async function countLike(prefix: string): Promise<number> {
  const [row] = await herald.db.query<{ count: string }>("SELECT count(*) FROM notifications WHERE user_id LIKE $1", [
    `${prefix}%`,
  ]);
  return Number(row?.count);
}

describe.each<Protocol>(["grpc", "connect-h2"])("SendStream over %s", (protocol) => {
  it("answers every item in order with its index and ref; a bad item fails alone", async () => {
    const client = streamClient(await herald.apiKey(["send"]), protocol);
    const prefix = `stream-${protocol}-`;
    const items = Array.from({ length: 200 }, (_, i) =>
      i === 57
        ? request(`${prefix}${i}`, "bad", `r${i}`, { category: "Bad Category" })
        : i === 58
          ? create(SendStreamRequestSchema, { ref: `r${i}` })
          : request(`${prefix}${i % 20}`, `n${i}`, `r${i}`),
    );
    const answers: SendStreamResponse[] = [];
    for await (const answer of client.sendStream(
      (async function* () {
        yield* items;
      })(),
    ))
      answers.push(answer);
    expect(answers.map((a) => Number(a.index))).toEqual(items.map((_, i) => i));
    expect(answers.map((a) => a.ref)).toEqual(items.map((r) => r.ref));
    expect(answers[57]?.result?.outcome).toMatchObject({
      case: "error",
      value: { code: "invalid_argument", field: "category" },
    });
    expect(answers[58]?.result?.outcome).toMatchObject({
      case: "error",
      value: { code: "invalid_argument", field: "send" },
    });
    const sent = answers.filter((a) => a.result?.outcome.case === "sent");
    expect(sent).toHaveLength(198);
    expect(await countLike(prefix)).toBe(198);
  });

  it("answers each item while the client waits before sending the next", async () => {
    const client = streamClient(await herald.apiKey(["send"]), protocol);
    const input = pushable<SendStreamRequest>();
    const answers = collect(client.sendStream(input));
    for (let i = 0; i < 3; i++) {
      input.push(request(`pingpong-${protocol}`, `p${i}`, `p${i}`));
      await answers.atLeast(i + 1, 15_000);
    }
    input.end();
    await answers.done;
    expect(answers.error).toBeUndefined();
    expect(answers.items.map((a) => a.result?.outcome.case)).toEqual(["sent", "sent", "sent"]);
  });
});

describe("SendStream limits", () => {
  it("keeps idempotency per item", async () => {
    const client = streamClient(await herald.apiKey(["send"]), "grpc");
    const keyed = request("stream-idem", "once", "a", { idempotencyKey: "stream-key" });
    const answers: SendStreamResponse[] = [];
    const input = [keyed, keyed, request("stream-idem", "other", "c", { idempotencyKey: "stream-key" })];
    for await (const a of client.sendStream(
      (async function* () {
        yield* input;
      })(),
    ))
      answers.push(a);
    const ids = answers.map((a) =>
      a.result?.outcome.case === "sent" ? a.result.outcome.value.notifications[0]?.id : a.result?.outcome.value?.code,
    );
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).toBe("already_exists");
    expect(await countLike("stream-idem")).toBe(1);
  });

  it("refuses a key without the send scope at once, sending nothing", async () => {
    const client = streamClient(await herald.apiKey(["read"]), "grpc");
    const input = pushable<SendStreamRequest>();
    input.push(request("stream-read", "r", "r"));
    const refused = collect(client.sendStream(input));
    await refused.done;
    expect(ConnectError.from(refused.error).code).toBe(Code.PermissionDenied);
    expect(refused.items).toHaveLength(0);
    expect(await countLike("stream-read")).toBe(0);
  });

  it("holds at most SEND_STREAMS_PER_KEY streams of one key open", async () => {
    const key = await herald.apiKey(["send"]);
    const client = streamClient(key, "grpc");
    const inputs = [pushable<SendStreamRequest>(), pushable<SendStreamRequest>()];
    const open = inputs.map((input, i) => {
      input.push(request("stream-slots", `s${i}`, `s${i}`));
      return collect(client.sendStream(input));
    });
    await Promise.all(open.map((s) => s.atLeast(1, 15_000)));
    const third = pushable<SendStreamRequest>();
    third.push(request("stream-slots", "third", "t"));
    const refused = collect(client.sendStream(third));
    await refused.done;
    expect(ConnectError.from(refused.error).code).toBe(Code.ResourceExhausted);
    expect(ConnectError.from(refused.error).rawMessage).toMatch(/SEND_STREAMS_PER_KEY/);
    // Another key is not held back by this one's streams.
    const fourth = pushable<SendStreamRequest>();
    fourth.push(request("stream-slots", "other key", "o"));
    const other = collect(streamClient(await herald.apiKey(["send"]), "grpc").sendStream(fourth));
    await other.atLeast(1, 15_000);
    fourth.end();
    for (const input of inputs) input.end();
    await Promise.all([...open.map((s) => s.done), other.done]);
    // Closed streams give their slots back.
    const again = collect(
      client.sendStream(
        (async function* () {
          yield request("stream-slots", "again", "g");
        })(),
      ),
    );
    await again.done;
    expect(again.error).toBeUndefined();
    expect(again.items).toHaveLength(1);
  });
});

describe("SendStream pacing", () => {
  let paced: TestHerald;
  beforeAll(async () => {
    paced = await startHerald({
      env: {
        RATE_LIMIT_API_KEY_PER_SECOND: "10",
        RATE_LIMIT_API_KEY_BURST: "5",
        SEND_STREAM_IDLE_TIMEOUT_MS: "1000",
        // Shorter than the paced stream lasts: a request stream is not held to a request's deadline.
        HTTP_REQUEST_TIMEOUT_MS: "1000",
      },
    });
  });
  afterAll(() => paced.close());

  it.each<Protocol>(["grpc", "connect-h2"])(
    "waits for rate-limit tokens instead of failing items (%s), past HTTP_REQUEST_TIMEOUT_MS",
    async (protocol) => {
      const client = streamClient(await paced.apiKey(["send"]), protocol, paced.url);
      const items = Array.from({ length: 25 }, (_, i) => request(`paced-${protocol}-${i}`, "t", `${i}`));
      const started = Date.now();
      const answers: SendStreamResponse[] = [];
      for await (const a of client.sendStream(
        (async function* () {
          yield* items;
        })(),
      ))
        answers.push(a);
      // 26 tokens (the call, then one per item) from a bucket of 5 refilled at 10/s: at least 2 s.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
      expect(answers.map((a) => a.result?.outcome.case)).toEqual(items.map(() => "sent"));
    },
  );

  it.each<Protocol>(["grpc", "connect-h2"])(
    "keeps a stream its client writes to for longer than HTTP_REQUEST_TIMEOUT_MS (%s)",
    async (protocol) => {
      const client = streamClient(await paced.apiKey(["send"]), protocol, paced.url);
      const input = pushable<SendStreamRequest>();
      const s = collect(client.sendStream(input));
      const started = Date.now();
      for (let i = 0; Date.now() - started < 2500; i++) {
        input.push(request(`slow-${protocol}-${i}`, "t", `${i}`));
        await s.atLeast(i + 1, 10_000);
        await new Promise((r) => setTimeout(r, 300));
      }
      input.end();
      await s.done;
      expect(s.error).toBeUndefined();
      expect(s.items.length).toBeGreaterThanOrEqual(5);
      expect(s.items.every((a) => a.result?.outcome.case === "sent")).toBe(true);
    },
  );

  it("ends a stream idle for SEND_STREAM_IDLE_TIMEOUT_MS with DEADLINE_EXCEEDED, after answering what came", async () => {
    const client = streamClient(await paced.apiKey(["send"]), "connect-h2", paced.url);
    const input = pushable<SendStreamRequest>();
    input.push(request("idle-user", "before idle", "x"));
    const s = collect(client.sendStream(input));
    await s.done;
    expect(s.items.map((a) => a.result?.outcome.case)).toEqual(["sent"]);
    expect(ConnectError.from(s.error).code).toBe(Code.DeadlineExceeded);
    expect(ConnectError.from(s.error).rawMessage).toMatch(/SEND_STREAM_IDLE_TIMEOUT_MS/);
  });
});

describe("SendStream over HTTP/1.1", () => {
  it("is refused with 505 and a message saying what to use instead", async () => {
    const res = await fetch(`${herald.url}/herald.v1.NotificationService/SendStream`, {
      method: "POST",
      headers: {
        "content-type": "application/connect+proto",
        authorization: `Bearer ${await herald.apiKey(["send"])}`,
      },
      body: new Uint8Array([0, 0, 0, 0, 0]),
    });
    expect(res.status).toBe(505);
    expect(await res.text()).toMatch(/needs HTTP\/2.*use SendBatch/);
  });
});
