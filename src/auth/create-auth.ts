import type { Logger } from "pino";
import type { AuthConfig } from "../config/auth.js";
import { parseUserKey, userKey } from "../domain/tenant.js";
import { createReadQueue } from "../feed/read-queue.js";
import type { Broadcast } from "../messaging/broadcast.js";
import { apiKeyStore } from "../store/api-key-store.js";
import type { Queryable } from "../store/database.js";
import { recipientStore } from "../store/recipient-store.js";
import { createApiKeyVerifier } from "./api-key-verifier.js";
import { createAuthenticator } from "./authenticate.js";
import { createOidcOperatorVerifier } from "./oidc-operators.js";
import { announcement, createTokenRevocations } from "./token-revocations.js";
import { createUserTokenVerifier } from "./user-tokens.js";

export interface AuthOptions {
  db: Queryable;
  /** Revocations reach the other processes here. */
  broadcast: Broadcast;
  apiKeys: Omit<AuthConfig["apiKeys"], "bootstrap">;
  userTokens: AuthConfig["userTokens"];
  /** Console sign-in with OpenID Connect; null when off. */
  consoleOidc: AuthConfig["consoleOidc"];
  /** Called in every process when a user's tokens are revoked (their streams end). */
  onRevoked: (tenantId: string, userId: string) => void;
  /** Whether a tenant exists: user tokens of other tenants are refused. */
  tenantExists: (tenantId: string) => boolean;
  logger: Logger;
}

/**
 * The authentication wing: API keys (verified against stored hashes, looked up
 * a few at a time), user tokens (HS256 or JWKS, with a maximum lifetime) and
 * their revocations, shared with every process, and console operators' OIDC
 * ID tokens.
 */
export async function createAuth(options: AuthOptions) {
  const { db, userTokens } = options;
  const revocations = createTokenRevocations({
    // Revocations are kept per user key (`<tenant>/<user>`).
    load: async (since) =>
      (await recipientStore.tokenRevocations(db, since)).map((r) => ({
        userId: userKey(r.tenantId, r.userId),
        before: r.before,
      })),
    refreshMs: userTokens.revocationRefreshMs,
    maxTtlMs: userTokens.maxTtlMs,
    announce: (userId, before) => options.broadcast.send(announcement(userId, before)),
    onRevoked: (key) => {
      const { tenantId, userId } = parseUserKey(key);
      options.onRevoked(tenantId, userId);
    },
    logger: options.logger,
  });
  options.broadcast.listen((message) => revocations.heard(message));
  await revocations.ready;

  const authenticate = createAuthenticator({
    verifyApiKey: createApiKeyVerifier({
      find: (id) => apiKeyStore.find(db, id),
      touch: (id) => apiKeyStore.touch(db, id),
      cacheTtlMs: options.apiKeys.cacheTtlMs,
      lookups: createReadQueue({
        concurrency: options.apiKeys.lookupConcurrency,
        maxWaiting: options.apiKeys.lookupQueueMax,
        busyMessage: (waiting) =>
          `server busy: ${waiting} API key lookups are waiting (API_KEY_LOOKUP_QUEUE_MAX=${options.apiKeys.lookupQueueMax}); retry later`,
      }),
    }),
    verifyUserToken: createUserTokenVerifier({
      secret: userTokens.secret,
      jwksUrl: userTokens.jwksUrl,
      issuer: userTokens.issuer,
      audience: userTokens.audience,
      maxTtlMs: userTokens.maxTtlMs,
      isRevoked: (tenantId, userId, issuedAt) => revocations.isRevoked(userKey(tenantId, userId), issuedAt),
      tenantExists: options.tenantExists,
    }),
    oidcOperators: options.consoleOidc === null ? null : createOidcOperatorVerifier({ config: options.consoleOidc }),
  });

  const hour = 3_600_000;
  return {
    authenticate,
    /** Records a revocation committed here (RevokeUserTokens, DeleteRecipient). */
    revoked: (tenantId: string, userId: string, before: Date) => revocations.revoked(userKey(tenantId, userId), before),
    tasks: [
      {
        name: "prune-token-revocations",
        everyMs: hour,
        run: async () =>
          (await recipientStore.pruneTokenRevocations(db, new Date(Date.now() - userTokens.maxTtlMs - hour))) > 0,
      },
    ],
    stop: () => revocations.stop(),
  };
}

export type Auth = Awaited<ReturnType<typeof createAuth>>;
