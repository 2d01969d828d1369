import type { Deliverer, DeliveryJob } from "../domain/deliverer.js";
import { PermanentDeliveryError, TransientDeliveryError } from "../domain/delivery-errors.js";
import type { NotificationContent } from "../domain/notification.js";
import { channelModule, distinctNames, readProviders, requireAddress } from "./channel-module.js";
import { brandEmail, displayName, escapeHtml } from "./email-branding.js";
import { createEmailSender, type EmailMessage, type EmailSender } from "./email-sender.js";
import type { Provider } from "./failover.js";
import { createTenantSenders } from "./tenant-senders.js";

/** The email section: SMTP_URL turns email on; SMTP_URL_2 ... SMTP_URL_5 are fallbacks, in that order. */
export interface EmailSettings {
  /** SMTP servers in priority order: smtp:// (STARTTLS when offered) or smtps://, credentials in the URL. */
  smtpUrls: string[];
  /** The From header (one for every server: the domain's SPF/DKIM must allow each). */
  from: string;
  /** Pooled SMTP connections per process and server. */
  poolSize: number;
  /** Messages one pooled connection carries before it is replaced (the sender's default when absent). */
  messagesPerConnection?: number;
  /** A user's preferences page with `{user_id}`; List-Unsubscribe points here. */
  preferencesUrl: string | null;
}

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;

/** A Send without a template: the title as subject and heading, the body, the action URL as a link. */
function fromDraft(n: NotificationContent): Record<string, string> {
  const link = n.actionUrl === "" ? "" : `\n\n${n.actionUrl}`;
  const htmlLink =
    n.actionUrl === "" ? "" : `<p><a href="${escapeHtml(n.actionUrl)}">${escapeHtml(n.actionUrl)}</a></p>`;
  const paragraphs = n.body
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`)
    .join("");
  return {
    subject: n.title,
    text: `${n.body}${link}`,
    html: `<!doctype html><html><body><h1>${escapeHtml(n.title)}</h1>${paragraphs}${htmlLink}</body></html>`,
  };
}

/**
 * Email through any SMTP server (nodemailer, pooled), to the recipient's
 * current address (read with the delivery, so a changed address is used and
 * an erased one is not). The Message-ID is the delivery id, so a redelivered
 * email is recognisably the same message.
 */
export const emailChannel = channelModule<EmailSettings>({
  id: "email",
  label: "Email",
  targets: ["address"],
  content: {
    // An RFC 5322 header line; text and HTML as large as their templates.
    parts: {
      subject: { maxChars: 998 },
      text: { maxChars: 100_000 },
      html: { maxChars: 500_000, html: true, optional: true },
    },
    fromDraft,
  },
  checkAddress: (address) => (ADDRESS.test(address) && address.length <= 320 ? null : "must be an email address"),
  readSettings(env) {
    const smtpUrls = readProviders(env, "SMTP_URL", (n) => env.url(`SMTP_URL${n}`, ["smtp:", "smtps:"]));
    const from = env.str("EMAIL_FROM", "Herald <herald@localhost>") ?? "";
    const poolSize = env.int("EMAIL_POOL_SIZE", 5, 1, 100);
    const messagesPerConnection = env.int("EMAIL_MESSAGES_PER_CONNECTION", 1000, 1, 1_000_000);
    const preferencesUrl = env.url("PREFERENCES_URL", ["https:", "http:"]);
    if (smtpUrls === null) return null;
    const address = /<([^>]+)>\s*$/.exec(from)?.[1] ?? from;
    if (!ADDRESS.test(address.trim()))
      env.problems.push(`EMAIL_FROM must be an email address, optionally with a name, got "${from}"`);
    return { smtpUrls, from, poolSize, messagesPerConnection, preferencesUrl };
  },
  createDeliverer(settings, deps) {
    const senderFor = (smtpUrl: string) =>
      createEmailSender({
        smtpUrl,
        from: settings.from,
        maxConnections: settings.poolSize,
        maxMessagesPerConnection: settings.messagesPerConnection,
        socketTimeoutMs: deps.timeoutMs,
      });
    // The email for one delivery, in its tenant's From, Reply-To and layout.
    const compose = ({ delivery, notification, content, address }: DeliveryJob): EmailMessage => {
      const email = content ?? {};
      const own = deps.tenantSettings?.(notification.tenantId)?.email ?? null;
      const parts = { text: email.text ?? "", html: email.html ?? "" };
      const fromAddress = own?.fromAddress || settings.from;
      const { text, html } = own?.branding ? brandEmail(parts, own.branding, displayName(fromAddress)) : parts;
      return {
        to: address,
        subject: email.subject ?? "",
        text,
        html,
        // The same on every server, so a message that two servers both
        // took (one timed out after accepting) is recognisably one.
        messageId: `<${delivery.id}@herald>`,
        listUnsubscribeUrl:
          settings.preferencesUrl?.replaceAll("{user_id}", encodeURIComponent(notification.userId)) ?? null,
        ...(own !== null && { from: fromAddress, replyTo: own.replyTo }),
      };
    };
    const names = distinctNames(settings.smtpUrls.map(serverName));
    const providers = settings.smtpUrls.map((smtpUrl, i): Provider => {
      const sender = senderFor(smtpUrl);
      return {
        name: names[i] as string,
        deliverer: {
          deliver: (job, signal) => sender.send(compose(job), signal),
          close: () => sender.close(),
        },
      };
    });
    const deployment = deps.failover(providers);
    // Tenants with their own SMTP server (providers.smtp): one pool each.
    const tenantServers = createTenantSenders<EmailSender>({
      create: senderFor,
      close: (sender) => sender.close(),
      max: maxTenantServers,
    });
    const deliverer: Deliverer = {
      calls: deployment.calls ?? 1,
      deliver(job, signal) {
        const smtpUrl = deps.tenantSettings?.(job.notification.tenantId)?.providers.smtp?.url;
        if (smtpUrl === undefined) return deployment.deliver(job, signal);
        return viaTenantServer(job, smtpUrl, signal);
      },
      close() {
        deployment.close?.();
        tenantServers.close();
      },
    };
    /**
     * Through the tenant's own server alone, never the deployment's (its mail
     * never leaves under another sender) and outside the deployment's
     * failover and circuits: its failures are retried like any delivery's.
     */
    async function viaTenantServer(job: DeliveryJob, smtpUrl: string, signal: AbortSignal) {
      const provider = `tenant:${serverName(smtpUrl)}`;
      try {
        const sender = tenantServers.get(job.notification.tenantId, smtpUrl);
        const receipt = await sender.send(compose(job), AbortSignal.any([signal, AbortSignal.timeout(deps.timeoutMs)]));
        return { ...receipt, provider };
      } catch (error) {
        // Never the URL itself in the error: it carries the tenant's password.
        const e =
          error instanceof TransientDeliveryError || error instanceof PermanentDeliveryError
            ? error
            : new TransientDeliveryError("the tenant's SMTP URL cannot be used");
        e.provider = provider;
        throw e;
      }
    }
    return requireAddress("the recipient has no email address", deliverer);
  },
});

/** Most tenants' own SMTP pools open at once in a process; the least recently used is closed past it. */
export const maxTenantServers = 50;

/** An SMTP server as operators name it, without credentials: `smtp://host:port`. */
function serverName(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  const port = url.port || (url.protocol === "smtps:" ? "465" : "587");
  return `${url.protocol}//${url.hostname}:${port}`;
}
