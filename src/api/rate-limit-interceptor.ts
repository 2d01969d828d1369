import { isMessage } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { RetryInfoSchema } from "../../gen/ts/google/rpc/error_details_pb.js";
import { SendBatchRequestSchema, SendRequestSchema } from "../../gen/ts/herald/v1/notification_service_pb.js";
import type { Principal } from "../domain/principal.js";
import { userKey } from "../domain/tenant.js";
import type { BucketCharge, LimitKind, RateLimiter } from "../ratelimit/rate-limiter.js";
import type { BucketPolicy, Decision } from "../ratelimit/token-bucket.js";
import { principalKey } from "./principal-context.js";

export interface RateLimitInterceptorOptions {
  limiter: RateLimiter;
  /** A Send costs one token per this many recipients, rounded up (at least one). */
  sendRecipientsPerToken: number;
}

/** Names of the policies in the RateLimit header fields. */
const policyNames: Record<LimitKind, string> = {
  api_key: "api-key",
  user: "user",
  tenant: "tenant",
  tenant_notifications: "tenant-notifications",
};

/**
 * Rate limits per API key, per user token's user, and per tenant (token
 * buckets, shared between processes by src/ratelimit/usage-sharing.ts). Runs
 * after authentication, which names the buckets, and before validation, so a
 * flood of invalid requests is limited too. Every call costs one token, except
 * a Send, which costs one per `sendRecipientsPerToken` recipients; the caller's
 * bucket and its tenant's pay the same. A Send's recipients are also counted
 * against its tenant's notifications per day (a bucket that refills over a
 * day). A call is admitted only if every bucket can pay; then all pay.
 *
 * A refused call is RESOURCE_EXHAUSTED with a google.rpc.RetryInfo detail (every
 * protocol) and `Retry-After`; Connect and gRPC-Web responses also carry the
 * RateLimit-Policy and RateLimit fields of draft-ietf-httpapi-ratelimit-headers-10
 * (quota = the burst, window = the time to refill it from empty) of the
 * caller's bucket, or of the bucket that refused.
 */
export function rateLimitInterceptor(options: RateLimitInterceptorOptions): Interceptor {
  return (next) => async (req) => {
    const principal = req.contextValues.get(principalKey);
    if (principal === null) return next(req); // open services: health, reflection
    const cost = req.stream ? 1 : costOf(req.message, options.sendRecipientsPerToken);
    const recipients = req.stream ? 0 : recipientsOf(req.message);
    const paid = options.limiter.takeAll(chargesOf(principal, cost, recipients));
    const refused = paid.find((p) => !p.decision.allowed);
    if (refused !== undefined)
      throw rateLimited(refused.charge.kind, refused.policy, refused.decision as Refusal, principal);
    const res = await next(req);
    // gRPC clients read no HTTP headers; Connect and gRPC-Web clients (browsers) may.
    const own = paid[0];
    if (own !== undefined && !/^application\/grpc(?:[+;]|$)/.test(req.header.get("content-type") ?? "")) {
      for (const [name, value] of rateLimitFields(own.charge.kind, own.policy, own.decision as Admission)) {
        res.header.set(name, value);
      }
    }
    return res;
  };
}

type Refusal = Decision & { allowed: false };
type Admission = Decision & { allowed: true };

/** The buckets a call pays from: its caller's first (its figures go in the response headers), then its tenant's. */
function chargesOf(principal: Principal, cost: number, recipients: number): BucketCharge[] {
  const charges: BucketCharge[] = [
    { ...bucketOf(principal), cost },
    { kind: "tenant", id: principal.tenantId, cost },
  ];
  if (recipients > 0) charges.push({ kind: "tenant_notifications", id: principal.tenantId, cost: recipients });
  return charges;
}

/** A Send's cost in tokens, and a SendBatch's: the sum of its items' costs, as separate Sends would pay. */
function costOf(message: unknown, perToken: number): number {
  const sendCost = (recipients: number) => Math.max(1, Math.ceil(recipients / perToken));
  if (isMessage(message, SendRequestSchema)) return sendCost(message.userIds.length);
  if (isMessage(message, SendBatchRequestSchema)) {
    return Math.max(
      1,
      message.items.reduce((sum, item) => sum + sendCost(item.userIds.length), 0),
    );
  }
  return 1;
}

/** The notifications a Send or SendBatch names (a fan-out's audience is counted when it starts). */
function recipientsOf(message: unknown): number {
  if (isMessage(message, SendRequestSchema)) return message.userIds.length;
  if (isMessage(message, SendBatchRequestSchema)) return message.items.reduce((sum, i) => sum + i.userIds.length, 0);
  return 0;
}

/**
 * Rate limiting of SendStream's items (the call itself paid one token when it
 * opened): each item pays what a Send of it would, and waits for the tokens of
 * the per-second buckets rather than failing, so a stream runs at the caller's
 * rate. An item its tenant's notifications per day cannot pay fails (its
 * result is RESOURCE_EXHAUSTED): waiting for a day's quota would hold the stream.
 */
export function sendItemAdmission(options: RateLimitInterceptorOptions) {
  return async (principal: Principal, recipients: number, signal: AbortSignal): Promise<void> => {
    const cost = Math.max(1, Math.ceil(recipients / options.sendRecipientsPerToken));
    for (;;) {
      const paid = options.limiter.takeAll(chargesOf(principal, cost, recipients));
      const refused = paid.find((p) => !p.decision.allowed);
      // Request buckets cap a cost at their burst, so full ones always admit, and a
      // notifications refusal throws: this ends.
      if (refused === undefined) return;
      const refusal = refused.decision as Refusal;
      if (refused.charge.kind === "tenant_notifications")
        throw rateLimited("tenant_notifications", refused.policy, refusal, principal);
      await sleep(refusal.retryInMs, signal);
    }
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      if (signal.aborted) reject(signal.reason);
      else resolve();
    };
    const timer = setTimeout(done, Math.max(1, ms));
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * The caller's own bucket. An operator draws from the API key policy, in a
 * bucket of its own (`oidc:<sub>`, never a key id); a user's is per tenant
 * (the same user id in two tenants is two people).
 */
function bucketOf(principal: Principal): { kind: LimitKind; id: string } {
  if (principal.kind === "api_key") return { kind: "api_key", id: principal.keyId };
  if (principal.kind === "operator") return { kind: "api_key", id: `oidc:${principal.subject}` };
  return { kind: "user", id: userKey(principal.tenantId, principal.userId) };
}

function refusalText(kind: LimitKind, policy: BucketPolicy, principal: Principal): string {
  if (kind === "tenant_notifications") {
    return `this tenant may send ${Math.round(policy.perSecond * 86_400)} notifications per day`;
  }
  const who =
    kind === "tenant"
      ? "this tenant"
      : { api_key: "this API key", user: "this user", operator: "this operator" }[principal.kind];
  return `${who} may make ${policy.perSecond} requests per second (bursts of ${policy.burst})`;
}

function rateLimited(kind: LimitKind, policy: BucketPolicy, decision: Refusal, principal: Principal): ConnectError {
  const retry = decision.retryInMs;
  return new ConnectError(
    `rate limit exceeded: ${refusalText(kind, policy, principal)}; retry in ${retry} ms`,
    Code.ResourceExhausted,
    [
      ["retry-after", String(Math.max(1, Math.ceil(retry / 1000)))],
      ...rateLimitFields(kind, policy, { ...decision, remaining: 0 }),
    ],
    [
      {
        desc: RetryInfoSchema,
        value: { retryDelay: { seconds: BigInt(Math.floor(retry / 1000)), nanos: (retry % 1000) * 1_000_000 } },
      },
    ],
  );
}

/** RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers-10, sections 3 and 4). */
function rateLimitFields(
  kind: LimitKind,
  policy: BucketPolicy,
  state: { remaining: number; fullInMs: number },
): Array<[string, string]> {
  const name = policyNames[kind];
  const window = Math.max(1, Math.ceil(policy.burst / policy.perSecond));
  return [
    ["ratelimit-policy", `"${name}";q=${policy.burst};w=${window}`],
    ["ratelimit", `"${name}";r=${Math.max(0, state.remaining)};t=${Math.ceil(state.fullInMs / 1000)}`],
  ];
}
