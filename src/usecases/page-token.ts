import { createHash } from "node:crypto";
import { InvalidArgumentError } from "../domain/errors.js";

/**
 * Page tokens: where the next page starts (a position of the caller's list),
 * bound to the filters that made it, so a token replayed with other filters is
 * refused rather than silently skipping items. Opaque to callers; not secret
 * (a position only moves within what the caller may list anyway).
 */
export function encodePageToken(position: string | number, filters: unknown): string {
  return Buffer.from(`1:${position}:${fingerprint(filters)}`).toString("base64url");
}

/**
 * The position in a page token made with these filters; `position` says what
 * one looks like (anything else is refused before it reaches a query), `rpc`
 * names the call in errors.
 */
export function decodePagePosition(token: string, filters: unknown, position: RegExp, rpc: string): string {
  const match = /^1:(.+):([0-9a-f]{12})$/.exec(Buffer.from(token, "base64url").toString("latin1"));
  if (match === null || !position.test(match[1] as string)) {
    throw new InvalidArgumentError("page_token", `is not a token returned by ${rpc}`);
  }
  if (match[2] !== fingerprint(filters)) {
    throw new InvalidArgumentError("page_token", `was returned for a ${rpc} with other filters; pass the same filters`);
  }
  return match[1] as string;
}

/** List's tokens: the seq to continue below. */
export function decodePageToken(token: string, filters: unknown): number {
  return Number(decodePagePosition(token, filters, /^\d{1,15}$/, "List"));
}

function fingerprint(filters: unknown): string {
  return createHash("sha256").update(JSON.stringify(filters)).digest("hex").slice(0, 12);
}
