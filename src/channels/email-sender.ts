import nodemailer, { type NodemailerError, type SMTPPoolOptions } from "nodemailer";
import { PermanentDeliveryError, type ProviderReceipt, TransientDeliveryError } from "../domain/delivery-errors.js";

export interface EmailSenderOptions {
  /**
   * `smtp://user:pass@host:port` (STARTTLS when the server offers it) or
   * `smtps://...` (TLS from the first byte). `?tls=off` keeps a plain `smtp://`
   * session in cleartext even when the server offers STARTTLS.
   */
  smtpUrl: string;
  /** The From header, e.g. `Herald <notifications@example.com>`. */
  from: string;
  /** Pooled connections kept open to the server. Default 5. */
  maxConnections?: number;
  /**
   * Messages a pooled connection carries before it is replaced. Default 1000
   * (nodemailer's own is 100): each new connection costs a greeting, EHLO and
   * maybe STARTTLS and AUTH, round trips the server and Herald both pay for.
   */
  maxMessagesPerConnection?: number;
  /** ms to open a connection and get the server's greeting. Default 10000. */
  connectionTimeoutMs?: number;
  /** ms a connection may wait for a server response before it is dropped. Default 30000. */
  socketTimeoutMs?: number;
}

/** One rendered email for one recipient. */
export interface EmailMessage {
  /** A single bare address (`ada@example.com`). */
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Full Message-ID, e.g. `<0190...@herald>`; derived from the delivery id by the caller so receivers can de-duplicate redeliveries. */
  messageId: string;
  /** Where the List-Unsubscribe header points (the user's preferences page); null for none. */
  listUnsubscribeUrl: string | null;
  /** The From header for this message (a tenant's own); the sender's `from` when absent. */
  from?: string;
  /** The Reply-To header; none when absent or empty. */
  replyTo?: string;
}

/** Hands emails to an SMTP server over a pool of kept-open connections. */
export interface EmailSender {
  /**
   * Resolves once the server accepted the message (250 after DATA). Rejects with
   * TransientDeliveryError or PermanentDeliveryError only; an abort of `signal`
   * is transient because the server may or may not have the message.
   */
  send(message: EmailMessage, signal?: AbortSignal): Promise<ProviderReceipt>;
  /** Closes idle connections now and busy ones after their current message; later sends fail as transient. */
  close(): void;
}

// A bare addr-spec, checked here because nodemailer would otherwise take a
// malformed `to` to the server (or parse a display name out of it) and the
// failure would look transient or, worse, reach someone else.
const ADDRESS = /^[^\s@<>()[\],;:"\\]+@[^\s@<>()[\],;:"\\]+$/;

// 530/534/535 mean our credentials or auth setup are wrong: every message would
// fail the same way until an operator fixes the config, so retrying (not
// dropping the user's email) is right.
const AUTH_FAILURES = new Set([530, 534, 535]);

/** Creates a pooled SMTP sender; validates the URL and From address at once. */
export function createEmailSender(options: EmailSenderOptions): EmailSender {
  if (!ADDRESS.test(extractAddress(options.from))) {
    throw new Error("EmailSenderOptions.from must be an email address, optionally with a display name");
  }
  const transporter = nodemailer.createTransport({
    ...connectionOptions(options.smtpUrl),
    pool: true,
    maxConnections: options.maxConnections ?? 5,
    maxMessages: options.maxMessagesPerConnection ?? 1000,
    connectionTimeout: options.connectionTimeoutMs ?? 10_000,
    socketTimeout: options.socketTimeoutMs ?? 30_000,
    logger: false,
  });

  return {
    async send(message, signal) {
      if (!ADDRESS.test(message.to)) {
        throw new PermanentDeliveryError("recipient is not a valid email address", "rejected");
      }
      const from = message.from || options.from;
      if (!ADDRESS.test(extractAddress(from)) || (message.replyTo && !ADDRESS.test(extractAddress(message.replyTo)))) {
        // The tenant's settings, not the message: every email would fail alike until they are fixed.
        throw new TransientDeliveryError("the From or Reply-To address is not a valid email address");
      }
      try {
        const info = await transporter.sendMail({
          from,
          ...(message.replyTo && { replyTo: message.replyTo }),
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
          messageId: message.messageId,
          headers: message.listUnsubscribeUrl ? { "List-Unsubscribe": `<${message.listUnsubscribeUrl}>` } : {},
          signal,
        });
        return { providerMessageId: info.response || message.messageId };
      } catch (error) {
        throw toDeliveryError(error);
      }
    },
    close() {
      transporter.close();
    },
  };
}

/** Turns the URL into pool options ourselves: nodemailer would read `?tls=off` as a TLS options object. */
function connectionOptions(smtpUrl: string): SMTPPoolOptions {
  const url = new URL(smtpUrl);
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") {
    throw new Error(`smtpUrl must use smtp:// or smtps://, not ${url.protocol}`);
  }
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port ? Number(url.port) : undefined,
    secure: url.protocol === "smtps:",
    ignoreTLS: url.searchParams.get("tls") === "off",
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
  };
}

function extractAddress(mailbox: string): string {
  return /<([^<>]*)>\s*$/.exec(mailbox)?.[1] ?? mailbox.trim();
}

/**
 * Maps a nodemailer failure to what the dispatch worker should do about it. The
 * message is built from codes and the server's (redacted) reply, never from
 * nodemailer's text, which quotes envelope addresses.
 */
function toDeliveryError(error: unknown): TransientDeliveryError | PermanentDeliveryError {
  const e = (error ?? {}) as NodemailerError;
  const cause = scrub(error);
  if (e.code === "EABORT" || e.name === "AbortError") {
    return new TransientDeliveryError("email send aborted before the server confirmed it", undefined, { cause });
  }
  const code = e.responseCode;
  if (typeof code === "number") {
    const what = `SMTP ${e.command ?? "session"} failed: ${redact(e.response ?? String(code))}`;
    if (AUTH_FAILURES.has(code)) {
      return new TransientDeliveryError(`${what} (check the SMTP credentials)`, undefined, { cause });
    }
    // 503 is "bad sequence of commands": a broken session, not a verdict on the message.
    if (code >= 500 && code < 600 && code !== 503) return new PermanentDeliveryError(what, "rejected", { cause });
    return new TransientDeliveryError(what, undefined, { cause });
  }
  // Refused by nodemailer before any server saw it: the envelope or the message
  // itself is unusable (bad recipient, too large), and will be next time too.
  if (e.code === "EENVELOPE" || e.code === "EMESSAGE") {
    return new PermanentDeliveryError(`email refused before sending (${e.code})`, "rejected", { cause });
  }
  // Connection-level failures (ECONNECTION, ETIMEDOUT, ESOCKET, EDNS, ECONNREFUSED,
  // ETLS, EAUTH without a reply...) and anything unexpected: try again later.
  return new TransientDeliveryError(`SMTP connection failed (${e.originalCode ?? e.code ?? "unknown"})`, undefined, {
    cause,
  });
}

/** Anything that looks like an email address; logs must not carry them. */
function redact(text: string): string {
  return text.replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g, "<redacted>");
}

/** A copy of the failure safe to log: same name and codes, addresses removed from the text. */
function scrub(error: unknown): Error {
  const e = (error ?? {}) as NodemailerError;
  const copy = new Error(redact(error instanceof Error ? error.message : String(error)));
  copy.name = error instanceof Error ? error.name : "Error";
  return Object.assign(copy, {
    code: e.code,
    originalCode: e.originalCode,
    responseCode: e.responseCode,
    command: e.command,
  });
}
