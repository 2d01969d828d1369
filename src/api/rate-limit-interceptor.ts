import { isMessage } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { RetryInfoSchema } from "../../gen/ts/google/rpc/error_details_pb.js";
import { SendBatchRequestSchema, SendRequestSchema } from "../../gen/ts/herald/v1/notification_service_pb.js";
import type { Principal } from "../domain/principal.js";
import type { LimitKind, RateLimiter } from "../ratelimit/rate-limiter.js";
import type { BucketPolicy, Decision } from "../ratelimit/token-bucket.js";
import { principalKey } from "./principal-context.js";

export interface RateLimitInterceptorOptions {
  limiter: RateLimiter;
  /** A Send costs one token per this many recipients, rounded up (at least one). */
  sendRecipientsPerToken: number;
}

/** Names of the two policies in the RateLimit header fields. */
const policyNames: Record<LimitKind, string> = { api_key: "api-key", user: "user" };

/**
 * Rate limits per API key and per user token's user (token buckets, shared
 * between processes by src/ratelimit/usage-sharing.ts). Runs after
 * authentication, which names the bucket, and before validation, so a flood of
 * invalid requests is limited too. Every call costs one token, except a Send,
 * which costs one per `sendRecipientsPerToken` recipients.
 *
 * A refused call is RESOURCE_EXHAUSTED with a google.rpc.RetryInfo detail (every
 * protocol) and `Retry-After`; Connect and gRPC-Web responses also carry the
 * RateLimit-Policy and RateLimit fields of draft-ietf-httpapi-ratelimit-headers-10
 * (quota = the burst, window = the time to refill it from empty).
 */
export function rateLimitInterceptor(options: RateLimitInterceptorOptions): Interceptor {
  return (next) => async (req) => {
    const principal = req.contextValues.get(principalKey);
    if (principal === null) return next(req); // open services: health, reflection
    const { kind, id, who } = bucketOf(principal);
    const cost = req.stream ? 1 : costOf(req.message, options.sendRecipientsPerToken);
    const decision = options.limiter.take(kind, id, cost);
    const policy = options.limiter.policy(kind);
    if (decision === null || policy === undefined) return next(req);
    if (!decision.allowed) throw rateLimited(kind, who, policy, decision);
    const res = await next(req);
    // gRPC clients read no HTTP headers; Connect and gRPC-Web clients (browsers) may.
    if (!/^application\/grpc(?:[+;]|$)/.test(req.header.get("content-type") ?? "")) {
      for (const [name, value] of rateLimitFields(kind, policy, decision)) res.header.set(name, value);
    }
    return res;
  };
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

/**
 * Rate limiting of SendStream's items (the call itself paid one token when it
 * opened): each item pays what a Send of it would, and waits for its tokens
 * rather than failing, so a stream runs at the caller's rate.
 */
export function sendItemAdmission(options: RateLimitInterceptorOptions) {
  return async (principal: Principal, recipients: number, signal: AbortSignal): Promise<void> => {
    const { kind, id } = bucketOf(principal);
    const cost = Math.max(1, Math.ceil(recipients / options.sendRecipientsPerToken));
    for (;;) {
      const decision = options.limiter.take(kind, id, cost);
      // The limiter caps a cost at the burst, so a full bucket always admits: this ends.
      if (decision === null || decision.allowed) return;
      await sleep(decision.retryInMs, signal);
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

/** An operator draws from the API key policy, in a bucket of its own (`oidc:<sub>`, never a key id). */
function bucketOf(principal: Principal): { kind: LimitKind; id: string; who: string } {
  if (principal.kind === "api_key") return { kind: "api_key", id: principal.keyId, who: "this API key" };
  if (principal.kind === "operator") return { kind: "api_key", id: `oidc:${principal.subject}`, who: "this operator" };
  return { kind: "user", id: principal.userId, who: "this user" };
}

function rateLimited(
  kind: LimitKind,
  who: string,
  policy: BucketPolicy,
  decision: Decision & { allowed: false },
): ConnectError {
  const retry = decision.retryInMs;
  return new ConnectError(
    `rate limit exceeded: ${who} may make ${policy.perSecond} requests per second (bursts of ${policy.burst}); retry in ${retry} ms`,
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
