import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "./read-body.js";

/** A message the fake accepted (answered 201). */
export interface AcceptedSms {
  sid: string;
  accountSid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  /** The request's Content-Type, to check the form encoding. */
  contentType: string | undefined;
}

/** An answer the fake gives instead of handling a request. */
export interface TwilioFailure {
  status: number;
  /** Twilio error code for the JSON body; defaults to 20000 + status (20429, 20503...). */
  code?: number;
  message?: string;
  /** Sent as the Retry-After header, verbatim. */
  retryAfter?: string;
  /** A raw body instead of Twilio's error JSON (what a proxy in front of Twilio might send). */
  rawBody?: string;
}

export interface FakeTwilioOptions {
  /** The account in the URL and the basic-auth user. Default a random `AC...`. */
  accountSid?: string;
  /** The basic-auth password. Default random. */
  authToken?: string;
  /** More accounts it takes messages for (a tenant's own account at the same base URL). */
  otherAccounts?: Array<{ accountSid: string; authToken: string }>;
}

export interface FakeTwilio {
  /** Base URL to use as SmsSenderOptions.baseUrl. */
  url: string;
  accountSid: string;
  authToken: string;
  /** Messages accepted so far, oldest first. */
  messages: AcceptedSms[];
  /** Requests of any kind received so far. */
  requestCount(): number;
  /** The next `count` requests get this answer, whatever they are. */
  failNext(count: number, failure: TwilioFailure): void;
  /** The next `count` requests get no answer at all (until close), to exercise client timeouts. */
  stallNext(count: number): void;
  close(): Promise<void>;
}

const E164 = /^\+[1-9]\d{1,14}$/;
const MAX_BODY = 1600;

/**
 * A local stand-in for Twilio's `POST /2010-04-01/Accounts/{sid}/Messages.json`:
 * basic auth, the form fields, the checks behind errors 21211/21602/21603/21604/21617,
 * the 201 Message resource and Twilio's error JSON `{code, message, more_info, status}`.
 */
export async function startFakeTwilio(options: FakeTwilioOptions = {}): Promise<FakeTwilio> {
  const accountSid = options.accountSid ?? `AC${randomBytes(16).toString("hex")}`;
  const authToken = options.authToken ?? randomBytes(16).toString("hex");
  const accounts = [{ accountSid, authToken }, ...(options.otherAccounts ?? [])];
  const messages: AcceptedSms[] = [];
  const failures: TwilioFailure[] = [];
  let stalls = 0;
  let requests = 0;

  const server = http.createServer(async (req, res) => {
    requests += 1;
    const raw = await readBody(req);
    if (stalls > 0) {
      stalls -= 1;
      return; // left open; close() drops the connection
    }
    const failure = failures.shift();
    if (failure) return sendFailure(res, failure);
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const account = accounts.find((a) => authorized(req.headers.authorization, a.accountSid, a.authToken));
    if (account === undefined) {
      res.setHeader("www-authenticate", 'Basic realm="Twilio API"');
      return sendError(res, 401, 20003, "Authenticate");
    }
    if (path !== `/2010-04-01/Accounts/${account.accountSid}/Messages.json`) {
      return sendError(res, 404, 20404, `The requested resource ${path} was not found`);
    }
    if (req.method !== "POST") return sendError(res, 405, 20004, "Method not allowed");
    const form = new URLSearchParams(raw);
    const problem = validate(form);
    if (problem) return sendError(res, 400, problem.code, problem.message);
    const sent: AcceptedSms = {
      sid: `SM${randomBytes(16).toString("hex")}`,
      accountSid: account.accountSid,
      to: form.get("To") as string,
      from: form.get("From"),
      messagingServiceSid: form.get("MessagingServiceSid"),
      body: form.get("Body") as string,
      contentType: req.headers["content-type"],
    };
    messages.push(sent);
    sendJson(res, 201, resource(sent));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    messages,
    requestCount: () => requests,
    failNext(count, failure) {
      for (let i = 0; i < count; i++) failures.push(failure);
    },
    stallNext(count) {
      stalls += count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Twilio's checks, in the order it reports them; messages quote the number as Twilio's do. */
function validate(form: URLSearchParams): { code: number; message: string } | null {
  const to = form.get("To");
  if (!to) return { code: 21604, message: "A 'To' phone number is required." };
  if (!form.get("From") && !form.get("MessagingServiceSid")) {
    return { code: 21603, message: "A 'From' phone number is required." };
  }
  if (!E164.test(to)) return { code: 21211, message: `The 'To' number ${to} is not a valid phone number.` };
  const body = form.get("Body");
  if (!body) return { code: 21602, message: "Message body is required." };
  if ([...body].length > MAX_BODY) {
    return { code: 21617, message: "The concatenated message body exceeds the 1600 character limit." };
  }
  return null;
}

function authorized(header: string | undefined, accountSid: string, authToken: string): boolean {
  const match = /^Basic (.+)$/i.exec(header ?? "");
  return match?.[1] !== undefined && Buffer.from(match[1], "base64").toString() === `${accountSid}:${authToken}`;
}

/** The Message resource as Twilio returns it on create. */
function resource(m: AcceptedSms) {
  const now = new Date().toUTCString().replace("GMT", "+0000");
  const uri = `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}`;
  return {
    account_sid: m.accountSid,
    api_version: "2010-04-01",
    body: m.body,
    date_created: now,
    date_sent: null,
    date_updated: now,
    direction: "outbound-api",
    error_code: null,
    error_message: null,
    from: m.from,
    messaging_service_sid: m.messagingServiceSid,
    num_media: "0",
    num_segments: m.messagingServiceSid ? "0" : "1",
    price: null,
    price_unit: "USD",
    sid: m.sid,
    // A Messaging Service has yet to pick a sender, so Twilio says "accepted" rather than "queued".
    status: m.messagingServiceSid ? "accepted" : "queued",
    subresource_uris: { media: `${uri}/Media.json` },
    to: m.to,
    uri: `${uri}.json`,
  };
}

function sendFailure(res: http.ServerResponse, failure: TwilioFailure): void {
  if (failure.retryAfter !== undefined) res.setHeader("retry-after", failure.retryAfter);
  if (failure.rawBody !== undefined) {
    res.writeHead(failure.status, { "content-type": "text/html" });
    res.end(failure.rawBody);
    return;
  }
  sendError(
    res,
    failure.status,
    failure.code ?? 20000 + failure.status,
    failure.message ?? http.STATUS_CODES[failure.status] ?? "Error",
  );
}

function sendError(res: http.ServerResponse, status: number, code: number, message: string): void {
  sendJson(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}
