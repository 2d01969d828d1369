import type http from "node:http";

/** A request's whole body as UTF-8 (the fake providers' servers read small JSON and form bodies). */
export async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
