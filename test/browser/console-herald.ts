import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp-receiver.js";

export interface ConsoleHerald {
  herald: TestHerald;
  /** A real SMTP server the email channel sends to; stop it to make deliveries die. */
  smtp: SmtpReceiver;
  /** http://127.0.0.1:<port>/console */
  consoleUrl: string;
  adminKey: string;
  readKey: string;
  /** Gives `userId` an email address, so Sends to them have an email delivery. */
  addEmailRecipient(userId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Herald with the console on, email going to a real SMTP sink, and retries
 * short enough that a delivery dies within a couple of seconds of the sink
 * going away (three attempts, 100 ms apart).
 */
export async function startConsoleHerald(env: Record<string, string> = {}): Promise<ConsoleHerald> {
  const smtp = await startSmtpReceiver();
  const herald = await startHerald({
    env: {
      CONSOLE_ENABLED: "true",
      SMTP_URL: smtp.url,
      DELIVERY_RETRY_SCHEDULE: "100ms,100ms",
      ...env,
    },
  });
  const adminKey = await herald.apiKey(["admin"], "console admin");
  const readKey = await herald.apiKey(["read"], "console reader");
  const recipients = serviceClient(RecipientService, herald.url, adminKey);
  return {
    herald,
    smtp,
    consoleUrl: `${herald.url}/console`,
    adminKey,
    readKey,
    async addEmailRecipient(userId) {
      await recipients.upsertRecipient({ userId, email: `${userId}@example.com` });
    },
    async close() {
      await herald.close();
      await smtp.close();
    },
  };
}
