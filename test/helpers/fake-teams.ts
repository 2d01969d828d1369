import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "./read-body.js";
import { waitFor } from "./wait.js";

/** A message a Teams endpoint took, as it arrived. */
export interface TeamsPost {
  /** Which kind of URL took it. */
  kind: "workflow" | "connector";
  /** The URL's id: the workflow's or the connector's. */
  hookId: string;
  /** The parsed JSON body. */
  body: { type?: unknown; attachments?: Array<{ contentType?: unknown; contentUrl?: unknown; content?: unknown }> };
  rawBody: string;
  contentType: string | undefined;
  userAgent: string | undefined;
  /** The flow run this message started (workflows only). */
  runId: string | null;
}

/** An answer the fake gives the next requests instead of handling them. */
export interface TeamsFailure {
  status: number;
  /** Sent as Retry-After, verbatim. */
  retryAfter?: string;
  /** The body; default Azure's error JSON for workflows, or the status text. */
  body?: string;
}

export interface FakeTeams {
  /** A new Workflows URL (Logic Apps' form, with its shared access signature), valid until deleted. */
  workflowUrl(): string;
  /** A new Office 365 connector incoming webhook URL. */
  connectorUrl(): string;
  /** Deletes the flow or connector behind a URL: it answers 404 from then on. */
  remove(url: string): void;
  /** Messages taken so far, oldest first. */
  posts: TeamsPost[];
  /** Requests of any kind so far. */
  requestCount(): number;
  /** The next `count` requests get this answer. */
  failNext(count: number, failure: TeamsFailure): void;
  /** The next `count` connector requests get 200 with "Microsoft Teams endpoint returned HTTP error <status>". */
  throttleConnectorNext(count: number, status?: number): void;
  /** The next `count` requests get no answer until close, for client timeouts. */
  stallNext(count: number): void;
  /** Waits until at least `count` messages were taken. */
  waitForPosts(count: number, timeoutMs?: number): Promise<TeamsPost[]>;
  close(): Promise<void>;
}

/**
 * A local stand-in for the two kinds of URL Teams gives for posting to a
 * channel, each answering as Microsoft documents or as it is reported to:
 *
 * - Workflows ("When a Teams webhook request is received", a Logic Apps
 *   Request trigger): `POST /workflows/{id}/triggers/manual/paths/invoke
 *   ?api-version=2016-06-01&sp=...&sv=1.0&sig=...`. The URL's `sig` is its
 *   only credential (Logic Apps: "Secure access and data", shared access
 *   signatures); a wrong or missing one is 401. A body that is not JSON is 400
 *   (the trigger deserialises JSON). A trigger with no Response action
 *   "immediately returns the 202 ACCEPTED status" (Receive and respond to
 *   inbound HTTPS calls), naming the run in `x-ms-workflow-run-id`. A deleted
 *   workflow is 404 "WorkflowNotFound" (Azure's `{"error": {"code",
 *   "message"}}` envelope; message as quoted in Azure/logicapps#321).
 * - Office 365 connectors' incoming webhooks:
 *   `POST /webhookb2/{group}@{tenant}/IncomingWebhook/{id}/{owner}`. "If the
 *   POST succeeds, you should see a simple 1"; throttling comes as HTTP 200
 *   with "Microsoft Teams endpoint returned HTTP error 429" ("Connectors do
 *   not throw 429s": Sending messages to connectors and webhooks); a message
 *   with neither a card nor text is 400 "Summary or Text is required."
 *   (OfficeDev/outlook-dev-docs#423). What a removed connector answers is not
 *   documented; here it is 404, which Herald treats as it does 410.
 *
 * Both take `{"type": "message", "attachments": [{"contentType":
 * "application/vnd.microsoft.card.adaptive", "content": {...}}]}`.
 */
export async function startFakeTeams(): Promise<FakeTeams> {
  const workflows = new Map<string, { sig: string; removed: boolean }>();
  const connectors = new Map<string, { removed: boolean }>();
  const posts: TeamsPost[] = [];
  const failures: TeamsFailure[] = [];
  let throttles: number[] = [];
  let stalls = 0;
  let requests = 0;

  const server = http.createServer(async (req, res) => {
    requests += 1;
    const rawBody = await readBody(req);
    if (stalls > 0) {
      stalls -= 1;
      return; // left open; close() drops the connection
    }
    const url = new URL(req.url ?? "/", "http://x");
    const workflow = /^\/workflows\/([0-9a-f]{32})\/triggers\/manual\/paths\/invoke$/.exec(url.pathname);
    const connector = /^\/webhookb2\/[0-9a-f-]+@[0-9a-f-]+\/IncomingWebhook\/([0-9a-f]{32})\/[0-9a-f-]+$/.exec(
      url.pathname,
    );
    const failure = failures.shift();
    if (failure) return fail(res, failure, workflow !== null);
    if (workflow) return handleWorkflow(req, res, url, workflow[1] as string, rawBody);
    if (connector) return handleConnector(req, res, connector[1] as string, rawBody);
    return azureError(res, 404, "NotFound", "The requested resource does not exist.");
  });

  function handleWorkflow(req: http.IncomingMessage, res: http.ServerResponse, url: URL, id: string, raw: string) {
    const flow = workflows.get(id);
    if (flow === undefined || flow.removed) {
      return azureError(res, 404, "WorkflowNotFound", `The workflow '${id}' could not be found.`);
    }
    const sig = url.searchParams.get("sig");
    if (sig === null) {
      return azureError(res, 401, "DirectApiAuthorizationRequired", "The request must be authenticated.");
    }
    if (sig !== flow.sig) {
      return azureError(res, 401, "DirectApiInvalidAuthorizationSignature", "The provided signature is not valid.");
    }
    const body = parse(raw);
    if (body === undefined) {
      return azureError(res, 400, "InvalidRequestContent", "The request content is not valid JSON.");
    }
    const runId = `08584${randomBytes(12).toString("hex").toUpperCase()}`;
    posts.push(post("workflow", id, body, raw, req, runId));
    res.writeHead(202, { "x-ms-workflow-run-id": runId, "content-length": "0" }).end();
  }

  function handleConnector(req: http.IncomingMessage, res: http.ServerResponse, id: string, raw: string) {
    const hook = connectors.get(id);
    if (hook === undefined || hook.removed) return text(res, 404, "Webhook not found");
    const throttle = throttles.shift();
    if (throttle !== undefined) return text(res, 200, `Microsoft Teams endpoint returned HTTP error ${throttle}`);
    const body = parse(raw);
    if (body === undefined) return text(res, 400, "Bad payload received by generic incoming webhook.");
    const hasCard = Array.isArray(body.attachments) && body.attachments.length > 0;
    if (!hasCard && typeof (body as { text?: unknown }).text !== "string") {
      return text(res, 400, "Summary or Text is required.");
    }
    posts.push(post("connector", id, body, raw, req, null));
    text(res, 200, "1");
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const hex = () => randomBytes(16).toString("hex");

  return {
    workflowUrl() {
      const id = hex();
      const sig = randomBytes(32).toString("base64url");
      workflows.set(id, { sig, removed: false });
      const query = `api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${sig}`;
      return `${origin}/workflows/${id}/triggers/manual/paths/invoke?${query}`;
    },
    connectorUrl() {
      const id = hex();
      connectors.set(id, { removed: false });
      return `${origin}/webhookb2/${randomUUID()}@${randomUUID()}/IncomingWebhook/${id}/${randomUUID()}`;
    },
    remove(url) {
      const id = /\/(?:workflows|IncomingWebhook)\/([0-9a-f]{32})\//.exec(new URL(url).pathname)?.[1] ?? "";
      const found = workflows.get(id) ?? connectors.get(id);
      if (found === undefined) throw new Error("no such workflow or connector");
      found.removed = true;
    },
    posts,
    requestCount: () => requests,
    failNext(count, failure) {
      for (let i = 0; i < count; i++) failures.push(failure);
    },
    throttleConnectorNext(count, status = 429) {
      throttles = [...throttles, ...Array<number>(count).fill(status)];
    },
    stallNext(count) {
      stalls += count;
    },
    waitForPosts: (count, timeoutMs = 15_000) =>
      waitFor(() => posts.length >= count && posts, timeoutMs, `${count} Teams messages`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function post(
  kind: TeamsPost["kind"],
  hookId: string,
  body: TeamsPost["body"],
  rawBody: string,
  req: http.IncomingMessage,
  runId: string | null,
): TeamsPost {
  const contentType = req.headers["content-type"];
  return { kind, hookId, body, rawBody, contentType, userAgent: req.headers["user-agent"], runId };
}

function fail(res: http.ServerResponse, failure: TeamsFailure, workflow: boolean): void {
  if (failure.retryAfter !== undefined) res.setHeader("retry-after", failure.retryAfter);
  const reason = http.STATUS_CODES[failure.status] ?? "Error";
  if (failure.body !== undefined) text(res, failure.status, failure.body);
  else if (workflow) azureError(res, failure.status, reason.replaceAll(" ", ""), reason);
  else text(res, failure.status, reason);
}

/** Azure's error envelope, as Logic Apps answers. */
function azureError(res: http.ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify({ error: { code, message } }));
}

function text(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(body);
}

function parse(raw: string): TeamsPost["body"] | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as TeamsPost["body"])
      : undefined;
  } catch {
    return undefined;
  }
}
