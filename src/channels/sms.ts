import type { EnvReader } from "../config/env.js";
import type { Deliverer } from "../domain/deliverer.js";
import type { TenantSettings } from "../domain/tenant-settings.js";
import { channelModule, distinctNames, readProviders, requireAddress } from "./channel-module.js";
import type { Provider } from "./failover.js";
import { createSmsSender, type SmsSender } from "./sms-sender.js";

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
    const deployment = deps.failover(providers);
    const baseUrl = settings.accounts[0]?.baseUrl ?? "https://api.twilio.com";
    const deliverer: Deliverer = {
      ...deployment,
      deliver(job, signal) {
        const own = deps.tenantSettings?.(job.notification.tenantId)?.providers.twilio ?? null;
        if (own === null) return deployment.deliver(job, signal);
        // The tenant's account alone, outside the deployment's failover and
        // circuits: its failures are retried like any delivery's.
        const provider = `twilio:${own.accountSid}`;
        return tenantSender(own, baseUrl, deps.timeoutMs)
          .send({ to: job.address, body: job.content?.text ?? "" }, signal)
          .then(
            (receipt) => ({ ...receipt, provider }),
            (error: unknown) => {
              if (error instanceof Error) Object.assign(error, { provider });
              throw error;
            },
          );
      },
    };
    return requireAddress("the recipient has no phone number", deliverer);
  },
});

/**
 * A sender for a tenant's own Twilio account (providers.twilio), at the
 * deployment's Twilio base URL. Made per message: it holds no connection,
 * only the request's URL and credentials.
 */
function tenantSender(
  own: NonNullable<TenantSettings["providers"]["twilio"]>,
  baseUrl: string,
  timeoutMs: number,
): SmsSender {
  return createSmsSender({
    baseUrl,
    accountSid: own.accountSid,
    authToken: own.authToken,
    ...(own.from.startsWith("MG") ? { messagingServiceSid: own.from } : { from: own.from }),
    timeoutMs,
  });
}

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
