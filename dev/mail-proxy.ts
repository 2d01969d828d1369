import http from "node:http";
import net from "node:net";
import { devRequestAllowed } from "./dev-origin.js";

/**
 * MailDev's web UI and API, as `npm start` shows them: a proxy on 127.0.0.1
 * in front of MailDev's own port. MailDev answers every origin with
 * `Access-Control-Allow-Origin: <that origin>` and credentials, and its command
 * line cannot turn that off, so any website a developer has open could read the
 * caught mail. The proxy drops CORS headers and refuses requests (and the UI's
 * WebSocket) from other origins, with the same rules as the demo pages
 * (dev-origin.ts).
 */
export async function startMailProxy(options: { port: number; target: number }): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (!devRequestAllowed(req)) {
      res.writeHead(403, { "Content-Type": "text/plain" }).end("MailDev answers only its own origin\n");
      return;
    }
    const upstream = http.request(
      { host: "127.0.0.1", port: options.target, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const headers = { ...answer.headers };
        for (const name of Object.keys(headers)) if (name.startsWith("access-control-")) delete headers[name];
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  // The UI's live updates: the WebSocket handshake is passed on as it came.
  server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    if (!devRequestAllowed(req)) {
      socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
      return;
    }
    const upstream = net.connect(options.target, "127.0.0.1", () => {
      const headers = Object.entries(req.headersDistinct).flatMap(([name, values]) =>
        (values ?? []).map((value) => `${name}: ${value}\r\n`),
      );
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join("")}\r\n`);
      upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    const close = () => {
      socket.destroy();
      upstream.destroy();
    };
    upstream.on("error", close);
    socket.on("error", close);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  return server;
}
