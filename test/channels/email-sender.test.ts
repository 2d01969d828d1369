import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createEmailSender, type EmailMessage, type EmailSender } from "../../src/channels/email-sender.js";
import { PermanentDeliveryError, TransientDeliveryError } from "../../src/domain/delivery-errors.js";
import { type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp-receiver.js";
import { rejection, waitFor } from "../helpers/wait.js";

let receiver: SmtpReceiver;
let sender: EmailSender;
let seq = 0;

function message(overrides: Partial<EmailMessage> = {}): EmailMessage {
  seq += 1;
  return {
    to: "ada@example.com",
    subject: `Build ${seq} finished`,
    text: `Build ${seq} passed.`,
    html: `<p>Build <b>${seq}</b> passed.</p>`,
    messageId: `<0190-${seq}@herald>`,
    listUnsubscribeUrl: null,
    ...overrides,
  };
}

/** Settles like `promise`, or fails after `timeoutMs`. */
async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves to what `promise` rejected with; fails the test if it resolved or took longer than `timeoutMs`. */
async function rejectionWithin(promise: Promise<unknown>, timeoutMs = 5000): Promise<Error> {
  return within(rejection(promise), timeoutMs, "the send to fail");
}

beforeAll(async () => {
  receiver = await startSmtpReceiver();
});
afterAll(async () => {
  await receiver.close();
});
beforeEach(async () => {
  await receiver.start();
  receiver.reset();
  sender = createEmailSender({
    smtpUrl: receiver.url,
    from: "Herald <notifications@example.com>",
    connectionTimeoutMs: 2000,
    socketTimeoutMs: 10_000,
  });
});
afterEach(() => {
  sender.close();
});

describe("email sender", () => {
  it("delivers subject, bodies and headers to the recipient", async () => {
    const url = "https://herald.example.com/preferences?user=u_42&token=abc";
    const sent = message({ listUnsubscribeUrl: url });
    const receipt = await sender.send(sent);

    const [got] = await receiver.waitForMessages(1);
    expect(got.to).toEqual(["ada@example.com"]);
    expect(got.from).toBe("Herald <notifications@example.com>");
    expect(got.subject).toBe(sent.subject);
    expect(got.text.trim()).toBe(sent.text);
    expect(got.html).toBe(sent.html);
    expect(got.messageId).toBe(sent.messageId);
    expect(got.headers["list-unsubscribe"]).toBe(`<${url}>`);
    expect(receipt.providerMessageId).toMatch(/^250 .*queued as 1$/);
  });

  it("sends no List-Unsubscribe header without a url", async () => {
    await sender.send(message());
    const [got] = await receiver.waitForMessages(1);
    expect(got.headers).not.toHaveProperty("list-unsubscribe");
  });

  it("treats an SMTP 4xx as transient", async () => {
    receiver.failNext(1, 451, "Try again later");
    const error = await rejectionWithin(sender.send(message()));
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.message).toContain("451");
    expect(receiver.messages).toHaveLength(0);
  });

  it("treats an SMTP 5xx as a permanent rejection, without the address in the error", async () => {
    receiver.failNext(1, 550, "Mailbox ada@example.com unavailable");
    const error = await rejectionWithin(sender.send(message()));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect((error as PermanentDeliveryError).reason).toBe("rejected");
    expect(error.message).toContain("550");
    expect(`${error.message} ${(error.cause as Error).message}`).not.toContain("ada@example.com");
  });

  it("treats an SMTP authentication failure as transient", async () => {
    receiver.failNext(1, 535, "Authentication credentials invalid");
    expect(await rejectionWithin(sender.send(message()))).toBeInstanceOf(TransientDeliveryError);
  });

  it.each([
    "ada at example.com",
    // nodemailer would happily send this to both addresses.
    "ada@example.com, eve@example.com",
    "Eve <eve@example.com>",
  ])("rejects the invalid recipient %j as permanent without sending", async (to) => {
    const error = await rejectionWithin(sender.send(message({ to })));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).not.toMatch(/ada|eve/);
    const next = message();
    await sender.send(next);
    await receiver.waitForMessages(1);
    expect(receiver.messages.map((m) => m.messageId)).toEqual([next.messageId]);
  });

  it("fails as transient while the server is down, then the same pool delivers again", async () => {
    await sender.send(message()); // leaves a pooled connection open for stop() to cut
    // Quick only if stop() drops that connection rather than waiting for the client to leave.
    const stopping = Date.now();
    await receiver.stop();
    expect(Date.now() - stopping).toBeLessThan(2000);
    const error = await rejectionWithin(sender.send(message()));
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.message).toContain("ECONNREFUSED");

    await receiver.start();
    const back = message();
    await sender.send(back);
    await waitFor(() => receiver.messages.some((m) => m.messageId === back.messageId), 5000, "delivery after restart");
  });

  it("delivers 50 concurrent messages through the pool exactly once", async () => {
    const batch = Array.from({ length: 50 }, () => message());
    await Promise.all(batch.map((m) => sender.send(m)));
    await receiver.waitForMessages(50);
    const ids = receiver.messages.map((m) => m.messageId).sort();
    expect(ids).toEqual(batch.map((m) => m.messageId).sort());
  });

  it("fails an already aborted send as transient without sending", async () => {
    const error = await rejectionWithin(sender.send(message(), AbortSignal.abort()));
    expect(error).toBeInstanceOf(TransientDeliveryError);
    await sender.send(message());
    await receiver.waitForMessages(1);
    expect(receiver.messages).toHaveLength(1);
  });

  it("abandons a send aborted while the server holds it", async () => {
    const hold = receiver.holdNext();
    const controller = new AbortController();
    const sending = sender.send(message(), controller.signal);
    await within(hold.held, 5000, "the message to arrive");
    controller.abort();
    // Well inside the socket timeout: the abort itself must end the send.
    expect(await rejectionWithin(sending, 1000)).toBeInstanceOf(TransientDeliveryError);

    // nodemailer gives up by closing the connection, so the 250 never reaches it.
    let left = false;
    void hold.disconnected.then(() => {
      left = true;
    });
    await waitFor(() => left, 2000, "the aborted client to disconnect");
    hold.release();

    const next = message();
    await sender.send(next);
    await receiver.waitForMessages(1);
    expect(receiver.messages.map((m) => m.messageId)).toEqual([next.messageId]);
  });

  it("counts a held message once released to a connected client", async () => {
    const hold = receiver.holdNext();
    const sending = sender.send(message());
    await within(hold.held, 5000, "the message to arrive");
    expect(receiver.messages).toHaveLength(0);
    hold.release();
    await within(sending, 5000, "the send to succeed");
    expect(receiver.messages).toHaveLength(1);
  });
});
