import { createHash, randomBytes } from "node:crypto";

/**
 * API keys look like `hk_<id>_<secret>`. The id is public (it names the key in
 * `herald keys list` and logs); only a SHA-256 hash of the secret is stored.
 * Secrets are 256 random bits, so a fast hash is enough: there is nothing to
 * brute-force that a slow hash would protect.
 */
const keyPattern = /^hk_([A-Za-z0-9]{8,32})_([A-Za-z0-9_-]{16,128})$/;

export interface ParsedApiKey {
  id: string;
  secret: string;
}

export function parseApiKey(key: string): ParsedApiKey | null {
  const match = keyPattern.exec(key);
  return match ? { id: match[1] as string, secret: match[2] as string } : null;
}

export function generateApiKey(): { key: string; id: string; secret: string } {
  const id = randomBytes(8).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  return { key: `hk_${id}_${secret}`, id, secret };
}

export function hashSecret(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}
