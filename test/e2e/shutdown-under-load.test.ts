import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { connectClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald, testEnv, uniquePrefix } from "../helpers/herald.js";
import { type HeraldProcess, spawnHerald } from "../helpers/process.js";
import { type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp-receiver.js";
import { collect, waitFor } from "../helpers/wait.js";

const prefix = uniquePrefix();
const total = 300;
let smtp: SmtpReceiver;
let api: TestHerald;
const workers: HeraldProcess[] = [];

const workerEnv = () => testEnv(api.db, prefix, { SMTP_URL: smtp.url, SHUTDOWN_TIMEOUT_MS: "10000" });

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  // This process takes Sends; only the spawned processes deliver.
  api = await startHerald({ natsPrefix: prefix, env: { SMTP_URL: smtp.url, WORKERS_ENABLED: "false" } });
  const key = await api.apiKey(["admin"]);
  const recipients = serviceClient(RecipientService, api.url, key);
  for (let i = 0; i < 20; i++) await recipients.upsertRecipient({ userId: `load${i}`, email: `load${i}@example.com` });
}, 60_000);
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop("SIGKILL")));
  await api?.close();
  await smtp?.close();
});

it("SIGTERM under load: streams end cleanly, in-flight deliveries finish or go back, nothing is lost or sent twice", async () => {
  workers.push(await spawnHerald(workerEnv()));
  const doomed = workers[0] as HeraldProcess;
  const client = connectClient(api.url, await api.apiKey(["send", "read"]));
  const stream = collect(connectClient(doomed.url, await api.userToken("load0")).subscribe({}));
  await stream.atLeast(1);

  // Sends keep coming, 8 at a time, while the worker process is told to stop.
  const ids: string[] = [];
  let next = 0;
  const sender = async () => {
    while (next < total) {
      const i = next++;
      const res = await client.send({
        userIds: [`load${i % 20}`],
        category: "load",
        title: `load ${i}`,
        body: "b",
        channels: [Channel.EMAIL],
      });
      ids.push(res.notifications[0]?.id as string);
    }
  };
  const sending = Promise.all(Array.from({ length: 8 }, sender));
  await waitFor(() => smtp.messages.length >= total / 4, 30_000, "a quarter delivered");
  const stopped = doomed.stop("SIGTERM");
  workers.push(await spawnHerald(workerEnv()));
  await sending;

  expect(await stopped).toBe(0);
  expect(doomed.logs.some((l) => l.msg === "shutting down")).toBe(true);
  await stream.done;
  expect(ConnectError.from(stream.error).code).toBe(Code.Unavailable);

  // Every accepted Send is delivered, each exactly once.
  const deliveryIds = await waitFor(
    async () => {
      const rows = await api.db.query<{ id: string; status: string }>(
        "SELECT id, status FROM deliveries WHERE channel = 'email' AND notification_id = ANY($1::uuid[])",
        [ids],
      );
      return rows.length === total && rows.every((r) => r.status === "sent") && rows.map((r) => r.id);
    },
    60_000,
    `all ${total} deliveries sent`,
  );
  expect(ids).toHaveLength(total);
  expect(smtp.messages).toHaveLength(total);
  expect(new Set(smtp.messages.map((m) => m.messageId))).toEqual(new Set(deliveryIds.map((id) => `<${id}@herald>`)));
  const notSent = await api.db.query("SELECT 1 FROM deliveries WHERE status <> 'sent' AND channel = 'email'");
  expect(notSent).toEqual([]);
}, 180_000);
