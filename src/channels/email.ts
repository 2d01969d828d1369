import { PermanentDeliveryError } from "../domain/delivery-errors.js";
import type { NotificationContent } from "../domain/notification.js";
import { channelModule } from "./channel-module.js";
import { createEmailSender } from "./email-sender.js";

/** The email section: SMTP_URL turns email on. */
export interface EmailSettings {
  /** smtp:// (STARTTLS when offered) or smtps://, credentials in the URL. */
  smtpUrl: string;
  /** The From header. */
  from: string;
  /** Pooled SMTP connections per process. */
  poolSize: number;
  /** A user's preferences page with `{user_id}`; List-Unsubscribe points here. */
  preferencesUrl: string | null;
}

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

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
    const smtpUrl = env.url("SMTP_URL", ["smtp:", "smtps:"]);
    const from = env.str("EMAIL_FROM", "Herald <herald@localhost>") ?? "";
    const poolSize = env.int("EMAIL_POOL_SIZE", 5, 1, 100);
    const preferencesUrl = env.url("PREFERENCES_URL", ["https:", "http:"]);
    if (smtpUrl === null) return null;
    const address = /<([^>]+)>\s*$/.exec(from)?.[1] ?? from;
    if (!ADDRESS.test(address.trim()))
      env.problems.push(`EMAIL_FROM must be an email address, optionally with a name, got "${from}"`);
    return { smtpUrl, from, poolSize, preferencesUrl };
  },
  createDeliverer(settings, deps) {
    const sender = createEmailSender({
      smtpUrl: settings.smtpUrl,
      from: settings.from,
      maxConnections: settings.poolSize,
      socketTimeoutMs: deps.timeoutMs,
    });
    return {
      async deliver({ delivery, notification, content, address }, signal) {
        if (address === "") throw new PermanentDeliveryError("the recipient has no email address");
        const email = content ?? {};
        return sender.send(
          {
            to: address,
            subject: email.subject ?? "",
            text: email.text ?? "",
            html: email.html ?? "",
            messageId: `<${delivery.id}@herald>`,
            listUnsubscribeUrl:
              settings.preferencesUrl?.replaceAll("{user_id}", encodeURIComponent(notification.userId)) ?? null,
          },
          signal,
        );
      },
      close: () => sender.close(),
    };
  },
});
