import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import type { WebPushSettings } from "../../src/channels/webpush.js";
import { loadConfig } from "../../src/config.js";

const root = path.resolve(import.meta.dirname, "../..");
const herald = (args: string[]) =>
  promisify(execFile)(process.execPath, [path.join(root, "bin/herald.mjs"), ...args], { timeout: 60_000 });

/** KEY=value lines of an env file, comments skipped. */
const envLines = (text: string) =>
  Object.fromEntries(
    text
      .split("\n")
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );

it("herald vapid generate prints a new key pair that the configuration takes as is", async () => {
  const { stdout } = await herald(["vapid", "generate", "--subject", "mailto:ops@herald.example"]);
  const env = envLines(stdout);
  expect(Object.keys(env)).toEqual(["WEBPUSH_VAPID_PUBLIC_KEY", "WEBPUSH_VAPID_PRIVATE_KEY", "WEBPUSH_SUBJECT"]);
  const config = loadConfig({ DATABASE_URL: "postgres://u:p@db:5432/herald", NATS_URL: "nats://nats:4222", ...env });
  expect((config.channels.webpush as WebPushSettings).vapid.publicKey).toBe(env.WEBPUSH_VAPID_PUBLIC_KEY);
  // A new pair each time: a deployment makes one and keeps it.
  const again = envLines((await herald(["vapid", "generate"])).stdout);
  expect(again.WEBPUSH_VAPID_PUBLIC_KEY).not.toBe(env.WEBPUSH_VAPID_PUBLIC_KEY);
  expect(again.WEBPUSH_SUBJECT).toBeUndefined();
  await expect(herald(["vapid", "generate", "--subject", "ops@herald.example"])).rejects.toMatchObject({
    stderr: expect.stringContaining("--subject must be a mailto: or https: URL"),
  });
});
