import { randomBytes } from "node:crypto";

/**
 * A new signing secret: `whsec_` and the base64 of 32 random bytes (Standard
 * Webhooks; channels/webhook-signature.ts checks and uses it). Made here, where
 * endpoints are created and rotated; the domain loads no runtime modules.
 */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}
