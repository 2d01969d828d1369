import type { EnvReader } from "../config/env.js";
import { channelModule, distinctNames, readProviders, requireAddress } from "./channel-module.js";
import type { Provider } from "./failover.js";
import { createSmsSender } from "./sms-sender.js";

/** The SMS section: TWILIO_ACCOUNT_SID turns SMS on; TWILIO_*_2 ... TWILIO_*_5 are fallback accounts, in that order. */
export interface SmsSettings {
  accounts: TwilioAccount[];
}

/** One Twilio account (or region, through its base URL). */
export interface TwilioAccount {
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
    const accounts = readProviders(env, "TWILIO_ACCOUNT_SID", (n) => readAccount(env, n));
    return accounts === null ? null : { accounts };
  },
  createDeliverer(settings, deps) {
    const names = distinctNames(settings.accounts.map((a) => `twilio:${a.accountSid}`));
    const providers = settings.accounts.map((account, i): Provider => {
      const sender = createSmsSender({
        baseUrl: account.baseUrl,
        accountSid: account.accountSid,
        authToken: account.authToken,
        ...(account.from !== null && { from: account.from }),
        ...(account.messagingServiceSid !== null && { messagingServiceSid: account.messagingServiceSid }),
        timeoutMs: deps.timeoutMs,
      });
      return {
        name: names[i] as string,
        deliverer: {
          deliver: ({ content, address }, signal) => sender.send({ to: address, body: content?.text ?? "" }, signal),
        },
      };
    });
    return requireAddress("the recipient has no phone number", deps.failover(providers));
  },
});

/** One account's variables: TWILIO_ACCOUNT_SID`n`, TWILIO_AUTH_TOKEN`n`... (`n` is "" or "_2" ... "_5"). */
function readAccount(env: EnvReader, n: string): TwilioAccount | null {
  const accountSid = env.str(`TWILIO_ACCOUNT_SID${n}`, null);
  if (accountSid === null) return null;
  const account = {
    baseUrl: env.url(`TWILIO_BASE_URL${n}`, ["https:", "http:"]) ?? "https://api.twilio.com",
    accountSid,
    authToken: env.required(`TWILIO_AUTH_TOKEN${n}`),
    from: env.str(`TWILIO_FROM${n}`, null),
    messagingServiceSid: env.str(`TWILIO_MESSAGING_SERVICE_SID${n}`, null),
  };
  if (account.from === null && account.messagingServiceSid === null) {
    env.problems.push(`TWILIO_FROM${n} or TWILIO_MESSAGING_SERVICE_SID${n} is required with TWILIO_ACCOUNT_SID${n}`);
  }
  return account;
}
