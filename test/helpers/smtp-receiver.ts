import type { Socket } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";
import { waitFor } from "./wait.js";

/** One message the receiver accepted. */
export interface ReceivedEmail {
  /** The Message-ID header, angle brackets included. */
  messageId: string;
  /** The From header as written, e.g. `Herald <notifications@example.com>`. */
  from: string;
  /** The envelope recipients (RCPT TO): where the message was actually delivered. */
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Raw header values by lower-case name, unfolded; the last one wins for repeated headers. */
  headers: Record<string, string>;
  receivedAt: Date;
}

/** A real SMTP server on 127.0.0.1 whose answers a test can steer. */
export interface SmtpReceiver {
  port: number;
  /** smtp://127.0.0.1:PORT: plain text, no auth, no STARTTLS offered. */
  url: string;
  /** Only messages the server accepted (250 after DATA), in order of acceptance. */
  messages: ReceivedEmail[];
  /** The next `count` transactions are answered with this SMTP code and text at DATA end (e.g. 451 transient, 550 permanent). */
  failNext(count: number, code: number, text?: string): void;
  /** Every transaction from now on fails with this code until `failNext(0, ...)`/`reset()`. */
  failAlways(code: number, text?: string): void;
  /** Forgets failures, holds and accepted messages. */
  reset(): void;
  /**
   * Holds the acceptance of the next message: `held` resolves once its DATA is in;
   * it counts only if `release()` is called while the client is still connected.
   * A transaction answered by `failNext`/`failAlways` is never held.
   * `disconnected` resolves once the held message's client has closed its connection.
   */
  holdNext(): { held: Promise<void>; release(): void; disconnected: Promise<void> };
  /** Stops listening (clients get connection refused) and drops open connections. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Waits (bounded) until at least `count` messages were accepted. */
  waitForMessages(count: number, timeoutMs?: number): Promise<ReceivedEmail[]>;
  close(): Promise<void>;
}

type Failure = { remaining: number; code: number; text: string };
type Hold = { onHeld: () => void; onDisconnected: () => void; released: Promise<void> };

/** Starts a receiver on a free port of 127.0.0.1. */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const messages: ReceivedEmail[] = [];
  // Keyed by the client's port, so a held message can tell whether its client left.
  const sockets = new Map<number, Socket>();
  let failure: Failure | null = null;
  let hold: Hold | null = null;
  let server: SMTPServer | null = null;
  let port = 0;

  async function onData(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const parsed = await simpleParser(stream);
    if (failure && failure.remaining > 0) {
      failure.remaining -= 1;
      throw Object.assign(new Error(failure.text), { responseCode: failure.code });
    }
    const socket = sockets.get(session.remotePort);
    if (hold) {
      const { onHeld, onDisconnected, released } = hold;
      hold = null;
      if (!socket || socket.destroyed) onDisconnected();
      else socket.once("close", onDisconnected);
      onHeld();
      await released;
      // A client that gave up cannot hear a 250, so the message was never delivered.
      if (!socket || socket.destroyed || socket.readableEnded) throw new Error("client left while held");
    }
    const headers: Record<string, string> = {};
    for (const { key, line } of parsed.headerLines) {
      headers[key] = line
        .slice(line.indexOf(":") + 1)
        .replace(/\r?\n(?=[ \t])/g, "")
        .trim();
    }
    messages.push({
      messageId: parsed.messageId ?? "",
      from: headers.from ?? "",
      to: session.envelope.rcptTo.map((r) => r.address),
      subject: parsed.subject ?? "",
      text: parsed.text ?? "",
      html: parsed.html || "",
      headers,
      receivedAt: new Date(),
    });
    return `OK: queued as ${messages.length}`;
  }

  async function start(): Promise<void> {
    if (server) return;
    const s = new SMTPServer({
      disabledCommands: ["STARTTLS", "AUTH"],
      authOptional: true,
      logger: false,
      onData(stream, session, callback) {
        onData(stream, session).then(
          (reply) => callback(null, reply),
          (error: Error) => callback(error),
        );
      },
    });
    // Clients resetting their connections (aborts, stop()) are part of the tests;
    // without a listener smtp-server's 'error' event would crash the worker.
    s.on("error", () => {});
    s.server.on("connection", (socket: Socket) => {
      const clientPort = socket.remotePort ?? 0;
      sockets.set(clientPort, socket);
      socket.once("close", () => sockets.delete(clientPort));
    });
    await new Promise<void>((resolve, reject) => {
      s.server.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        s.server.off("error", reject);
        resolve();
      });
    });
    port = (s.server.address() as { port: number }).port;
    server = s;
  }

  async function stop(): Promise<void> {
    const s = server;
    if (!s) return;
    server = null;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    // server.close() only stops accepting; pooled clients would keep their
    // sockets (and smtp-server would wait 30 s for them) unless we cut them.
    for (const socket of sockets.values()) socket.destroy();
    await closed;
  }

  await start();
  return {
    get port() {
      return port;
    },
    get url() {
      return `smtp://127.0.0.1:${port}`;
    },
    messages,
    failNext(count, code, text = "Requested action not taken") {
      failure = { remaining: count, code, text };
    },
    failAlways(code, text = "Requested action not taken") {
      failure = { remaining: Number.POSITIVE_INFINITY, code, text };
    },
    reset() {
      failure = null;
      hold = null;
      messages.length = 0;
    },
    holdNext() {
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let onDisconnected = () => {};
      const disconnected = new Promise<void>((resolve) => {
        onDisconnected = resolve;
      });
      const held = new Promise<void>((resolve) => {
        hold = { onHeld: resolve, onDisconnected, released };
      });
      return { held, release, disconnected };
    },
    stop,
    start,
    waitForMessages(count, timeoutMs = 5000) {
      return waitFor(() => messages.length >= count && messages, timeoutMs, `${count} accepted emails`);
    },
    close: stop,
  };
}
