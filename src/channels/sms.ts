import { PermanentDeliveryError } from "../domain/delivery-errors.js";
import { channelModule } from "./channel-module.js";
import { createSmsSender } from "./sms-sender.js";

/** The SMS section: TWILIO_ACCOUNT_SID turns SMS on. */
export interface SmsSettings {
  baseUrl: string;
  accountSid: string;
  authToken: string;
  from: string | null;
  messagingServiceSid: string | null;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;

/** SMS through the Twilio Messages API, to the recipient's phone number at delivery time. */
export const smsChannel = channelModule<SmsSettings>({
  id: "sms",
  label: "SMS",
  targets: ["address"],
  content: {
    // Twilio's maximum message body.
    parts: { text: { maxChars: 1_600 } },
    fromDraft: (n) => ({
      text: `${n.title}: ${n.body}${n.actionUrl === "" ? "" : `\n\n${n.actionUrl}`}`.slice(0, 1600),
    }),
  },
  checkAddress: (address) => (E164.test(address) ? null : "must be an E.164 phone number such as +14155550123"),
  readSettings(env) {
    const accountSid = env.str("TWILIO_ACCOUNT_SID", null);
    if (accountSid === null) return null;
    const settings = {
      baseUrl: env.url("TWILIO_BASE_URL", ["https:", "http:"]) ?? "https://api.twilio.com",
      accountSid,
      authToken: env.required("TWILIO_AUTH_TOKEN"),
      from: env.str("TWILIO_FROM", null),
      messagingServiceSid: env.str("TWILIO_MESSAGING_SERVICE_SID", null),
    };
    if (settings.from === null && settings.messagingServiceSid === null) {
      env.problems.push("TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required with TWILIO_ACCOUNT_SID");
    }
    return settings;
  },
  createDeliverer(settings, deps) {
    const sender = createSmsSender({
      baseUrl: settings.baseUrl,
      accountSid: settings.accountSid,
      authToken: settings.authToken,
      ...(settings.from !== null && { from: settings.from }),
      ...(settings.messagingServiceSid !== null && { messagingServiceSid: settings.messagingServiceSid }),
      timeoutMs: deps.timeoutMs,
    });
    return {
      async deliver({ content, address }, signal) {
        if (address === "") throw new PermanentDeliveryError("the recipient has no phone number");
        return sender.send({ to: address, body: content?.text ?? "" }, signal);
      },
    };
  },
});
