import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify, SignJWT } from "jose";

export interface UserTokenOptions {
  /** HS256 shared secret. */
  secret: string | null;
  /** JWKS URL for asymmetric tokens (RS256, ES256, EdDSA...). */
  jwksUrl: string | null;
  /** Required issuer, if any. */
  issuer: string | null;
  /** Required audience, if any. */
  audience: string | null;
}

/**
 * Verifies end-user tokens: JWTs whose `sub` is the user id and which carry an
 * `exp`. HS256 tokens are checked with the shared secret; others with the JWKS.
 * Returns the user id, or null when the token does not verify.
 */
export function createUserTokenVerifier(options: UserTokenOptions) {
  const secret = options.secret === null ? null : new TextEncoder().encode(options.secret);
  const jwks: JWTVerifyGetKey | null = options.jwksUrl === null ? null : createRemoteJWKSet(new URL(options.jwksUrl));
  const verifyOptions = {
    requiredClaims: ["sub", "exp"],
    ...(options.issuer !== null && { issuer: options.issuer }),
    ...(options.audience !== null && { audience: options.audience }),
  };

  // A browser sends the same token with every call (a List, a Subscribe, each
  // MarkRead), and checking a signature costs more than the rest of a List. A
  // token that verified is remembered until it expires (at most a minute, so a
  // JWKS key rotation or a changed secret takes effect soon), bounded in number.
  const verified = new Map<string, { userId: string; until: number }>();
  const remember = (token: string, userId: string, exp: number | undefined) => {
    if (verified.size >= 10_000) verified.clear();
    verified.set(token, { userId, until: Math.min(Date.now() + 60_000, (exp ?? 0) * 1000) });
  };

  return async function verifyUserToken(token: string): Promise<string | null> {
    const known = verified.get(token);
    if (known !== undefined) {
      if (known.until > Date.now()) return known.userId;
      verified.delete(token);
    }
    try {
      const header = JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString()) as { alg?: string };
      let payload: { sub?: string; exp?: number };
      if (header.alg === "HS256") {
        if (secret === null) return null;
        ({ payload } = await jwtVerify(token, secret, { ...verifyOptions, algorithms: ["HS256"] }));
      } else {
        if (jwks === null) return null;
        ({ payload } = await jwtVerify(token, jwks, verifyOptions));
      }
      const sub = payload.sub ?? "";
      if (!/^[!-~]{1,128}$/.test(sub)) return null;
      remember(token, sub, payload.exp);
      return sub;
    } catch {
      return null;
    }
  };
}

/** Mints an HS256 user token (development server, tests, and the CLI). */
export async function mintUserToken(
  secret: string,
  userId: string,
  options: { ttlSeconds?: number; issuer?: string; audience?: string } = {},
): Promise<string> {
  let jwt = new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds ?? 3600}s`);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
