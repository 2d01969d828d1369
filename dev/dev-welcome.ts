import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

export interface WelcomeFacts {
  /** http://127.0.0.1:PORT */
  base: string;
  /** Whether the operator console is served (CONSOLE_ENABLED). */
  console: boolean;
  apiKey: string;
  userToken: string;
  userTokenTtlSeconds: number;
  /** The Postgres URL, and whether the dev stack started that Postgres. */
  databaseUrl: string;
  nats: string;
  mail: string;
  metrics: string;
  /** The pid to signal to stop everything. */
  pid: number;
  /** The checkout, whose bin/herald.mjs is the command line. */
  root: string;
  /** Where the dev stack keeps its state (and the secret \`herald token\` signs with). */
  stateDir: string;
  startedInMs: number;
}

/**
 * What `npm start` prints once Herald listens: every command in it works when
 * pasted into a new terminal, in any directory (buf comes from the npm registry
 * by its full name and version when it is not installed there).
 */
export function welcomeText(o: WelcomeFacts): string {
  const body = JSON.stringify({
    user_ids: ["demo-user"],
    category: "welcome",
    title: "Hello from Herald",
    body: "Your first notification.",
  });
  return `
Herald is running at ${o.base}  (gRPC, gRPC-Web and Connect on one port; ready in ${(o.startedInMs / 1000).toFixed(1)} s)
  Demo inbox: ${o.base}/  (signed in as demo-user; preferences at ${o.base}/preferences)${
    o.console ? `\n  Console:  ${o.base}/console  (sign in with the development API key below)` : ""
  }
  Postgres: ${o.databaseUrl}
  NATS:     ${o.nats}
  Email:    ${o.mail}
  Metrics:  ${o.metrics}

Development API key (all scopes):  ${o.apiKey}
User token for "demo-user" (${lifetime(o.userTokenTtlSeconds)}): ${o.userToken}

Send a first notification (buf curl learns the API from gRPC reflection):
  npx --yes @bufbuild/buf@${bufVersion()} curl --protocol grpc --http2-prior-knowledge \\
    -H "Authorization: Bearer ${o.apiKey}" \\
    -d '${body}' \\
    ${o.base}/herald.v1.NotificationService/Send

List it as the user:
  curl -s -H "Authorization: Bearer ${o.userToken}" -H "Content-Type: application/json" \\
    -d '{}' ${o.base}/herald.v1.NotificationService/List

The command line, from any terminal (\`npx herald\` works too, after npm's own start-up):
  export DATABASE_URL='${o.databaseUrl}'${
    o.stateDir === path.join(o.root, ".herald") ? "" : `\n  export HERALD_DEV_STATE_DIR='${o.stateDir}'`
  }
  ${path.join(o.root, "bin/herald.mjs")} keys list
  ${path.join(o.root, "bin/herald.mjs")} token alice

Press Ctrl-C to stop Herald and the servers it started (or: kill -TERM ${o.pid}).
`;
}

/** "24 hours", "7 days", "90 minutes": how long a token lives, for people. */
function lifetime(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day${seconds === 86_400 ? "" : "s"}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hours`;
  return `${Math.round(seconds / 60)} minutes`;
}

/** The buf version this checkout pins, so the printed command runs the same buf anywhere. */
function bufVersion(): string {
  const manifest = createRequire(import.meta.url).resolve("@bufbuild/buf/package.json");
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}
