import { decodePagePosition, encodePageToken } from "./page-token.js";

/** A page of something, and the token of the next one ("" on the last). */
export interface Page<T> {
  items: T[];
  nextPageToken: string;
}

/** The page size when the caller asks for 0 (the contract's default). */
export const defaultTopicPageSize = 100;

/**
 * Reads one page of `pageSize` (0: the default) through `read`, which is given
 * where to continue and how many to fetch (one more than the page, to learn
 * whether another page follows).
 */
export async function readPage<T>(
  request: { pageSize: number; pageToken: string },
  token: { filters: unknown; position: RegExp; rpc: string; of: (item: T) => string },
  read: (after: string, fetch: number) => Promise<T[]>,
): Promise<Page<T>> {
  const size = request.pageSize === 0 ? defaultTopicPageSize : request.pageSize;
  const after =
    request.pageToken === "" ? "" : decodePagePosition(request.pageToken, token.filters, token.position, token.rpc);
  const rows = await read(after, size + 1);
  const items = rows.slice(0, size);
  const last = items.at(-1);
  return {
    items,
    nextPageToken: rows.length > size && last !== undefined ? encodePageToken(token.of(last), token.filters) : "",
  };
}
