import { generateKeyPairSync, type KeyPairKeyObjectResult, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { errors, type JWTPayload, jwtVerify, type ProtectedHeaderParameters } from "jose";
import type { ServiceAccount } from "../../src/channels/google-access-tokens.js";
import { readBody } from "./read-body.js";

/** FCM's documented error codes (google.firebase.fcm.v1.FcmError.errorCode). */
export type FcmErrorCode =
  | "UNSPECIFIED_ERROR"
  | "INVALID_ARGUMENT"
  | "UNREGISTERED"
  | "SENDER_ID_MISMATCH"
  | "QUOTA_EXCEEDED"
  | "UNAVAILABLE"
  | "INTERNAL"
  | "THIRD_PARTY_AUTH_ERROR";

/** An answer the fake gives to a messages:send instead of handling it. */
export interface FcmFailure {
  /** HTTP status; defaults to the one FCM documents for `errorCode`. */
  status?: number;
  /** Put in the FcmError detail; leave out for a plain Google API error (like a front-end 401). */
  errorCode?: FcmErrorCode;
  message?: string;
  /** Sent as the Retry-After header, verbatim. */
  retryAfter?: string;
  /** A raw body instead of the Google error JSON (what a load balancer might send). */
  rawBody?: string;
}

/** A service account key file as Google issues it (the sender reads four of these fields). */
export type ServiceAccountKeyFile = ServiceAccount & {
  type: "service_account";
  private_key_id: string;
  client_id: string;
};

export interface FakeFcmOptions {
  /** The Firebase project the service account belongs to. Default a random `herald-test-...`. */
  projectId?: string;
  /** `expires_in` of the access tokens the fake grants (and when it stops accepting them). Default 3599. */
  tokenLifetimeSeconds?: number;
}

export interface FakeFcm {
  /** Base URL to use as PushSenderOptions.baseUrl. */
  url: string;
  /** A fresh key pair's account whose token_uri is this fake's token endpoint. */
  serviceAccount: ServiceAccountKeyFile;
  /** Messages accepted so far, as sent (the v1 `Message` object), with the name the fake gave them. */
  messages: Array<{ name: string; message: Record<string, unknown> }>;
  /** Access tokens granted so far, with the verified assertion they were granted for. */
  grants: Array<{ accessToken: string; header: ProtectedHeaderParameters; claims: JWTPayload }>;
  /** Tokens that answer UNREGISTERED, as for an uninstalled app. */
  unregistered: Set<string>;
  /** messages:send requests received so far, failed ones included. */
  sendAttempts(): number;
  /** The next `count` messages:send requests get this answer. */
  failNext(count: number, failure: FcmFailure): void;
  /** The next `count` token requests get this OAuth error (`{error, error_description}`). */
  failTokenNext(count: number, failure: { status: number; error: string; description: string }): void;
  /** Forgets every access token granted so far, as when Google revokes them early. */
  revokeAccessTokens(): void;
  close(): Promise<void>;
}

/** Scopes that allow sending: FCM's own, or the catch-all. */
const SCOPES = ["https://www.googleapis.com/auth/firebase.messaging", "https://www.googleapis.com/auth/cloud-platform"];
const FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError";
const BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest";
/** FCM publishes no token format; this is the shape of real ones (instance id, colon, token). */
const DEVICE_TOKEN = /^[\w-]{8,}:[\w-]{20,}$/;

let sharedKeyPair: KeyPairKeyObjectResult | undefined;
/** One RSA key pair for every fake in the process: generating one takes a noticeable fraction of a second. */
function keyPair(): KeyPairKeyObjectResult {
  sharedKeyPair ??= generateKeyPairSync("rsa", { modulusLength: 2048 });
  return sharedKeyPair;
}

/** A registration token the fake accepts. */
export function newDeviceToken(): string {
  return `${randomBytes(8).toString("base64url")}:APA91b${randomBytes(96).toString("base64url")}`;
}

/**
 * A local stand-in for FCM HTTP v1 (`POST /v1/projects/{id}/messages:send`) and
 * Google's OAuth token endpoint (`POST /token`, JWT bearer grant, assertion
 * checked against the account's public key). Errors use Google's formats.
 */
export async function startFakeFcm(options: FakeFcmOptions = {}): Promise<FakeFcm> {
  const projectId = options.projectId ?? `herald-test-${randomBytes(3).toString("hex")}`;
  const { privateKey, publicKey } = keyPair();
  const accessTokens = new Map<string, { expiresAt: number; scopes: string[] }>();
  const state = {
    messages: [] as FakeFcm["messages"],
    grants: [] as FakeFcm["grants"],
    unregistered: new Set<string>(),
    failures: [] as FcmFailure[],
    tokenFailures: [] as Array<{ status: number; error: string; description: string }>,
    sendAttempts: 0,
  };
  let serviceAccount: ServiceAccountKeyFile | undefined;
  const account = () => serviceAccount as ServiceAccountKeyFile;

  async function grant(form: URLSearchParams, res: http.ServerResponse): Promise<void> {
    const failure = state.tokenFailures.shift();
    if (failure) return sendJson(res, failure.status, { error: failure.error, error_description: failure.description });
    const grantType = form.get("grant_type");
    if (grantType !== "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      return oauthError(res, "unsupported_grant_type", `Invalid grant_type: ${grantType ?? ""}`);
    }
    let verified: Awaited<ReturnType<typeof jwtVerify>>;
    try {
      verified = await jwtVerify(form.get("assertion") ?? "", publicKey, { algorithms: ["RS256"] });
    } catch (error) {
      if (error instanceof errors.JWSSignatureVerificationFailed)
        return oauthError(res, "invalid_grant", "Invalid JWT Signature.");
      if (error instanceof errors.JWTExpired) return oauthError(res, "invalid_grant", SHORT_LIVED);
      return oauthError(res, "invalid_grant", "Invalid JWT: malformed assertion.");
    }
    const claims = verified.payload;
    if (claims.iss !== account().client_email)
      return oauthError(res, "invalid_grant", "Invalid grant: account not found");
    if (claims.aud !== account().token_uri)
      return oauthError(res, "invalid_grant", "Invalid JWT: Failed audience check.");
    const now = Date.now() / 1000;
    const { iat, exp } = claims;
    if (iat === undefined || exp === undefined || exp - iat > 3600 || iat > now + 60) {
      return oauthError(res, "invalid_grant", SHORT_LIVED);
    }
    if (typeof claims.scope !== "string" || claims.scope.trim() === "") {
      return oauthError(res, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
    }
    const accessToken = `ya29.fake-${randomBytes(24).toString("base64url")}`;
    const lifetime = options.tokenLifetimeSeconds ?? 3599;
    accessTokens.set(accessToken, { expiresAt: Date.now() + lifetime * 1000, scopes: claims.scope.split(" ") });
    state.grants.push({ accessToken, header: verified.protectedHeader, claims });
    sendJson(res, 200, { access_token: accessToken, expires_in: lifetime, token_type: "Bearer" });
  }

  function send(req: http.IncomingMessage, raw: string, project: string, res: http.ServerResponse) {
    state.sendAttempts += 1;
    const failure = state.failures.shift();
    if (failure) return sendFailure(res, failure);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
    const granted = accessTokens.get(bearer);
    if (!granted || granted.expiresAt <= Date.now()) {
      res.setHeader("www-authenticate", 'Bearer realm="https://accounts.google.com/", error="invalid_token"');
      return googleError(res, 401, UNAUTHENTICATED);
    }
    if (!granted.scopes.some((s) => SCOPES.includes(s)))
      return googleError(res, 403, "Request had insufficient authentication scopes.");
    if (project !== projectId) {
      return googleError(
        res,
        403,
        `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${project}' (or it may not exist).`,
      );
    }
    const parsed = parseJson(raw) as { message?: Record<string, unknown> } | undefined;
    const problem =
      parsed === undefined ? badRequest("", "Invalid JSON payload received.") : checkMessage(parsed.message);
    if (problem) return sendJson(res, 400, { error: problem });
    const message = parsed?.message as Record<string, unknown>;
    if (state.unregistered.has(message.token as string)) {
      return sendJson(res, 404, { error: fcmError(404, "UNREGISTERED", "Requested entity was not found.") });
    }
    const name = `projects/${projectId}/messages/0:${Date.now()}${randomBytes(2).readUInt16BE()}%${randomBytes(8).toString("hex")}`;
    state.messages.push({ name, message });
    sendJson(res, 200, { name });
  }

  const server = http.createServer(async (req, res) => {
    const raw = await readBody(req);
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const project = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(path)?.[1];
    if (req.method === "POST" && path === "/token") return grant(new URLSearchParams(raw), res);
    if (req.method === "POST" && project !== undefined) return send(req, raw, decodeURIComponent(project), res);
    googleError(res, 404, "Requested entity was not found.");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  serviceAccount = {
    type: "service_account",
    project_id: projectId,
    private_key_id: randomBytes(20).toString("hex"),
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    client_email: `herald-push@${projectId}.iam.gserviceaccount.com`,
    client_id: String(BigInt(`0x${randomBytes(9).toString("hex")}`)),
    token_uri: `${url}/token`,
  };

  return {
    url,
    serviceAccount,
    messages: state.messages,
    grants: state.grants,
    unregistered: state.unregistered,
    sendAttempts: () => state.sendAttempts,
    failNext(count, failure) {
      for (let i = 0; i < count; i++) state.failures.push(failure);
    },
    failTokenNext(count, failure) {
      for (let i = 0; i < count; i++) state.tokenFailures.push(failure);
    },
    revokeAccessTokens: () => accessTokens.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The parts of a v1 `Message` the fake knows; unknown names are refused, as Google's JSON parser does. */
const KNOWN_FIELDS: Record<string, string[]> = {
  message: ["name", "data", "notification", "android", "webpush", "apns", "fcm_options", "token", "topic", "condition"],
  "message.notification": ["title", "body", "image"],
  "message.android": [
    "collapse_key",
    "priority",
    "ttl",
    "restricted_package_name",
    "data",
    "notification",
    "fcm_options",
    "direct_boot_ok",
  ],
  "message.apns": ["headers", "payload", "live_activity_token", "fcm_options"],
};
/** Data keys FCM keeps for itself (its docs: `from`, `gcm`, anything prefixed `google`). */
const RESERVED_DATA_KEY = /^(from|notification|message_type|gcm.*|google.*)$/;

/** The first reason FCM would refuse this message, or null. */
function checkMessage(message: unknown): GoogleErrorBody | null {
  if (typeof message !== "object" || message === null)
    return fcmError(400, "INVALID_ARGUMENT", "Recipient of the message is not set.");
  const m = message as Record<string, unknown>;
  for (const [path, known] of Object.entries(KNOWN_FIELDS)) {
    const value = path === "message" ? m : m[path.slice("message.".length)];
    if (typeof value !== "object" || value === null) continue;
    const unknown = Object.keys(value).find((k) => !known.includes(k));
    if (unknown)
      return badRequest(
        path,
        `Invalid JSON payload received. Unknown name "${unknown}" at '${path}': Cannot find field.`,
      );
  }
  if (typeof m.token !== "string" || m.token === "")
    return fcmError(400, "INVALID_ARGUMENT", "Recipient of the message is not set.");
  const entries = Object.entries((m.data ?? {}) as Record<string, unknown>);
  const nonString = entries.findIndex(([, v]) => typeof v !== "string");
  if (nonString >= 0) {
    const field = `message.data[${nonString}].value`;
    return badRequest(field, `Invalid value at '${field}' (TYPE_STRING), ${JSON.stringify(entries[nonString]?.[1])}`);
  }
  // FCM documents the reserved keys but not this message's wording.
  const reserved = entries.find(([k]) => RESERVED_DATA_KEY.test(k));
  if (reserved) return badRequest("message.data", `Invalid data payload key: ${reserved[0]}`);
  const priority = (m.android as { priority?: unknown } | undefined)?.priority;
  if (priority !== undefined && !/^(normal|high)$/i.test(String(priority))) {
    const field = "message.android.priority";
    return badRequest(
      field,
      `Invalid value at '${field}' (type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority), ${JSON.stringify(priority)}`,
    );
  }
  // The documented answer to a malformed token (FCM error-codes page, example 2).
  if (!DEVICE_TOKEN.test(m.token))
    return fcmError(400, "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token");
  return null;
}

const UNAUTHENTICATED =
  "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.";
const SHORT_LIVED =
  "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.";

/** google.rpc.Code names for the HTTP statuses Google maps them to. */
const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};
/** The HTTP status FCM documents for each error code. */
const ERROR_STATUS: Record<FcmErrorCode, number> = {
  UNSPECIFIED_ERROR: 500,
  INVALID_ARGUMENT: 400,
  UNREGISTERED: 404,
  SENDER_ID_MISMATCH: 403,
  QUOTA_EXCEEDED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
  THIRD_PARTY_AUTH_ERROR: 401,
};

interface GoogleErrorBody {
  code: number;
  message: string;
  status: string;
  details?: Array<Record<string, unknown>>;
}

function fcmError(code: number, errorCode: FcmErrorCode, message: string): GoogleErrorBody {
  return { code, message, status: STATUS_NAMES[code] ?? "UNKNOWN", details: [{ "@type": FCM_ERROR, errorCode }] };
}

function badRequest(field: string, description: string): GoogleErrorBody {
  const violation = field ? { field, description } : { description };
  return {
    code: 400,
    message: description,
    status: "INVALID_ARGUMENT",
    details: [{ "@type": BAD_REQUEST, fieldViolations: [violation] }],
  };
}

function googleError(res: http.ServerResponse, code: number, message: string): void {
  sendJson(res, code, { error: { code, message, status: STATUS_NAMES[code] ?? "UNKNOWN" } });
}

function oauthError(res: http.ServerResponse, error: string, description: string): void {
  sendJson(res, 400, { error, error_description: description });
}

function sendFailure(res: http.ServerResponse, failure: FcmFailure): void {
  const status = failure.status ?? (failure.errorCode ? ERROR_STATUS[failure.errorCode] : 500);
  if (failure.retryAfter !== undefined) res.setHeader("retry-after", failure.retryAfter);
  if (failure.rawBody !== undefined) {
    res.writeHead(status, { "content-type": "text/html; charset=UTF-8" });
    res.end(failure.rawBody);
    return;
  }
  const message = failure.message ?? http.STATUS_CODES[status] ?? "Error";
  const body: GoogleErrorBody = failure.errorCode
    ? { ...fcmError(status, failure.errorCode, message) }
    : { code: status, message, status: STATUS_NAMES[status] ?? "UNKNOWN" };
  sendJson(res, status, { error: body });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
  res.end(JSON.stringify(body));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
