import type http from "node:http";
import type http2 from "node:http2";
import net from "node:net";

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

/**
 * Who may use the development pages. `GET /` hands out a fresh user token and
 * `POST /dev/send` sends with the server's API key, so no other website a
 * developer has open may read the one or trigger the other:
 * - the pages never carry CORS headers, even when Herald's API allows any
 *   origin (`npm start` sets CORS_ALLOWED_ORIGINS=*), so a cross-origin read of
 *   a page fails in the browser;
 * - a request that names an Origin must come from the page's own origin;
 * - the Host must be an IP address or localhost, so a hostile DNS name that
 *   resolves to 127.0.0.1 (DNS rebinding) does not make its page "same origin".
 * A request without Origin (curl, a test) is not a browser's cross-site request.
 */
export function devRequestAllowed(req: Request): boolean {
  const host = requestHost(req);
  if (host === null || !isLocalHostName(host)) return false;
  const origin = req.headers.origin;
  return origin === undefined || origin === `http://${host}`;
}

/** Removes the CORS headers Herald's API layer set before the dev routes ran. */
export function withoutCors(res: Response): void {
  for (const name of ["Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Vary"]) res.removeHeader(name);
}

/** host[:port] the request was sent to (Host on HTTP/1.1, :authority on HTTP/2). */
export function requestHost(req: Request): string | null {
  const host = req.headers.host ?? req.headers[":authority"];
  return typeof host === "string" && host !== "" ? host : null;
}

function isLocalHostName(hostPort: string): boolean {
  const host = hostPort.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
  return host === "localhost" || net.isIP(host) !== 0;
}
