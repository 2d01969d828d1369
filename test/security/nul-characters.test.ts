import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { TemplateService } from "../../gen/ts/herald/v1/template_service_pb.js";
import { grpcJsClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { connectFormatClient } from "../helpers/connect-format.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { rejection } from "../helpers/wait.js";

// Item 9 of issue 9 (its NUL part): NUL characters reached Postgres, which
// refuses them in text and jsonb, and came back INTERNAL. Every string of every
// request is now checked first and refused with INVALID_ARGUMENT naming the
// field path; so are lone surrogates, which jsonb refuses too.

let herald: TestHerald;
let adminKey: string;
let admin: HeraldClient;

beforeAll(async () => {
  herald = await startHerald();
  adminKey = await herald.apiKey(["admin"]);
  admin = connectFormatClient(herald.url, adminKey, "json");
});
afterAll(() => herald.close());

/** Rows of every table a bad request could write to. */
async function counts() {
  const [row] = await herald.db.query(
    `SELECT (SELECT count(*) FROM notifications) AS n, (SELECT count(*) FROM deliveries) AS d,
            (SELECT count(*) FROM feed_events) AS e, (SELECT count(*) FROM recipients) AS r,
            (SELECT count(*) FROM templates) AS t`,
  );
  return row;
}

async function expectRefused(call: Promise<unknown>, message: string) {
  const err = ConnectError.from(await rejection(call));
  expect(err.code, err.rawMessage).toBe(Code.InvalidArgument);
  expect(err.rawMessage).toBe(message);
}

const base = { userIds: ["nul-user"], category: "nul", title: "t", body: "b" };
const nul = "must not contain NUL characters";

describe("NUL characters", () => {
  it("are refused in Send's title, body, data keys and data values, naming the path, and nothing is written", async () => {
    const before = await counts();
    await expectRefused(admin.send({ ...base, title: "hi\u0000there" }), `title: ${nul}`);
    await expectRefused(admin.send({ ...base, body: "\u0000" }), `body: ${nul}`);
    await expectRefused(admin.send({ ...base, data: { a: { b: "x\u0000" } } }), `data.a.b: ${nul}`);
    await expectRefused(admin.send({ ...base, data: { list: [1, "\u0000"] } }), `data.list[1]: ${nul}`);
    await expectRefused(admin.send({ ...base, data: { "k\u0000": 1 } }), `data["k\\u0000"]: key ${nul}`);
    expect(await counts()).toEqual(before);
  });

  it("are refused in any other request's strings (a recipient's timezone, a template's subject)", async () => {
    const before = await counts();
    const recipients = serviceClient(RecipientService, herald.url, adminKey);
    await expectRefused(
      recipients.upsertRecipient({ userId: "nul-user", timezone: "Europe/Vienna\u0000" }),
      `timezone: ${nul}`,
    );
    const templates = serviceClient(TemplateService, herald.url, adminKey);
    await expectRefused(
      templates.upsertTemplate({
        template: {
          key: "nul",
          channel: Channel.EMAIL,
          locale: "en",
          content: { case: "email", value: { subject: "s\u0000", text: "t", html: "" } },
        },
      }),
      `template.email.subject: ${nul}`,
    );
    expect(await counts()).toEqual(before);
  });

  it("are refused over gRPC (grpc-js client) the same way", async () => {
    const before = await counts();
    const grpc = grpcJsClient(herald.port, adminKey);
    try {
      const err = (await rejection(grpc.send({ ...base, body: "b\u0000" }))) as Error & {
        code: number;
        details: string;
      };
      expect(err.code).toBe(3); // INVALID_ARGUMENT
      expect(decodeURIComponent(err.details)).toBe(`body: ${nul}`);
    } finally {
      grpc.close();
    }
    expect(await counts()).toEqual(before);
  });

  it("refuses lone surrogates, which jsonb cannot store either", async () => {
    const before = await counts();
    // Raw JSON: connect-es's encoder would turn the lone surrogate into U+FFFD first.
    const body = JSON.stringify({ ...base, data: { note: "\ud83d" } });
    expect(body).toContain("\\ud83d");
    const res = await fetch(`${herald.url}/herald.v1.NotificationService/Send`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${adminKey}` },
      body,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      code: "invalid_argument",
      message: "data.note: must be valid Unicode (it has a lone surrogate)",
    });
    expect(await counts()).toEqual(before);
    // Whole surrogate pairs are ordinary characters.
    const ok = await admin.send({ ...base, title: "😀", data: { note: "😀" } });
    expect(ok.notifications[0]?.data).toEqual({ note: "😀" });
  });
});
