import { createHash } from "node:crypto";
import { InvalidArgumentError } from "../domain/errors.js";

/**
 * List page tokens: the seq to continue below, bound to the filters that made
 * it, so a token replayed with other filters is refused rather than silently
 * skipping notifications. Opaque to callers; not secret (it only moves within
 * the caller's own inbox).
 */
export function encodePageToken(seq: number, filters: unknown): string {
  return Buffer.from(`1:${seq}:${fingerprint(filters)}`).toString("base64url");
}

export function decodePageToken(token: string, filters: unknown): number {
  const match = /^1:(\d{1,15}):([0-9a-f]{12})$/.exec(Buffer.from(token, "base64url").toString("latin1"));
  if (match === null) {
    throw new InvalidArgumentError("page_token", "is not a token returned by List");
  }
  if (match[2] !== fingerprint(filters)) {
    throw new InvalidArgumentError("page_token", "was returned for a List with other filters; pass the same filters");
  }
  return Number(match[1]);
}

function fingerprint(filters: unknown): string {
  return createHash("sha256").update(JSON.stringify(filters)).digest("hex").slice(0, 12);
}
