import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { generateApiKey } from "../src/auth/api-key-format.js";

export interface DevSecrets {
  apiKey: string;
  userTokenSecret: string;
}

/**
 * Development credentials, made once per checkout and kept in the git-ignored
 * state folder so the key printed yesterday still works today.
 */
export async function loadDevSecrets(stateDir: string): Promise<DevSecrets> {
  const file = path.join(stateDir, "dev-secrets.json");
  if (existsSync(file)) return JSON.parse(await readFile(file, "utf8")) as DevSecrets;
  const secrets: DevSecrets = { apiKey: generateApiKey().key, userTokenSecret: randomBytes(32).toString("base64url") };
  await mkdir(stateDir, { recursive: true });
  await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
