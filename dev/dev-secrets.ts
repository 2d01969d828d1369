import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { generateApiKey } from "../src/auth/api-key-format.js";
import { generateVapidKeys } from "../src/channels/vapid.js";

export interface DevSecrets {
  apiKey: string;
  userTokenSecret: string;
  /**
   * The demo's VAPID key pair (browser notifications). Kept like the rest:
   * browsers bind a subscription to the public key, so a new pair every start
   * would silently end the subscriptions made yesterday.
   */
  vapidPublicKey: string;
  vapidPrivateKey: string;
}

/**
 * Development credentials, made once per checkout and kept in the git-ignored
 * state folder so the key printed yesterday still works today. A file from
 * before a credential existed gets it added.
 */
export async function loadDevSecrets(stateDir: string): Promise<DevSecrets> {
  const file = path.join(stateDir, "dev-secrets.json");
  const kept: Partial<DevSecrets> = existsSync(file) ? JSON.parse(await readFile(file, "utf8")) : {};
  if (isComplete(kept)) return kept;
  const vapid = kept.vapidPublicKey && kept.vapidPrivateKey ? null : generateVapidKeys();
  const secrets: DevSecrets = {
    apiKey: kept.apiKey ?? generateApiKey().key,
    userTokenSecret: kept.userTokenSecret ?? randomBytes(32).toString("base64url"),
    vapidPublicKey: vapid?.publicKey ?? (kept.vapidPublicKey as string),
    vapidPrivateKey: vapid?.privateKey ?? (kept.vapidPrivateKey as string),
  };
  await mkdir(stateDir, { recursive: true });
  await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

function isComplete(s: Partial<DevSecrets>): s is DevSecrets {
  return Boolean(s.apiKey && s.userTokenSecret && s.vapidPublicKey && s.vapidPrivateKey);
}
