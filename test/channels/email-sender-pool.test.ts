import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { createEmailSender, type EmailMessage } from "../../src/channels/email-sender.js";

// How many SMTP sessions the pool opens: each costs the server and Herald a
// greeting and EHLO (and STARTTLS, AUTH), so a connection is reused for many messages.
let server: SMTPServer;
let url = "";
let connections = 0;
let accepted = 0;

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onConnect(_session, callback) {
      connections += 1;
      callback();
    },
    onData(stream, _session, callback) {
      stream.on("end", () => {
        accepted += 1;
        callback();
      });
      stream.resume();
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  connections = 0;
  accepted = 0;
});

const message = (i: number): EmailMessage => ({
  to: `u${i}@example.com`,
  subject: `s${i}`,
  text: "t",
  html: "",
  messageId: `<pool-${i}@herald>`,
  listUnsubscribeUrl: null,
});

it("replaces a pooled connection after its maxMessagesPerConnection", async () => {
  const sender = createEmailSender({
    smtpUrl: url,
    from: "h@example.com",
    maxConnections: 1,
    maxMessagesPerConnection: 3,
  });
  for (let i = 0; i < 7; i++) await sender.send(message(i));
  sender.close();
  expect(accepted).toBe(7);
  expect(connections).toBe(3);
});

it("by default carries well over nodemailer's 100 messages on one connection", async () => {
  const sender = createEmailSender({ smtpUrl: url, from: "h@example.com", maxConnections: 1 });
  for (let i = 0; i < 120; i++) await sender.send(message(i));
  sender.close();
  expect(accepted).toBe(120);
  expect(connections).toBe(1);
});
