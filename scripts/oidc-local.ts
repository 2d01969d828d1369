// `npm run oidc:local`: a local OpenID Connect provider (dev/local-oidc.ts) for
// trying the operator console's OIDC sign-in. It prints the variables to give
// `npm start` in another terminal. Sign in as `alice` (admin), `sam` (read) or
// `nobody` (no Herald group), with any password. The port is fixed (9400;
// HERALD_DEV_OIDC_PORT moves it) so the printed issuer stays the same from one
// run to the next; HERALD_CONSOLE_URL is where the console runs (default
// http://127.0.0.1:8080/console/, npm start's usual address).
import { startLocalOidc } from "../dev/local-oidc.js";

const consoleUrl = new URL(process.env.HERALD_CONSOLE_URL ?? "http://127.0.0.1:8080/console/");
const clientId = "herald-console";
const provider = await startLocalOidc({
  clientId,
  port: Number(process.env.HERALD_DEV_OIDC_PORT ?? 9400),
  redirectUris: [consoleUrl.href],
  accounts: {
    alice: { groups: ["herald-admins"], email: "alice@example.com", name: "Alice Admin" },
    sam: { groups: ["herald-support"], email: "sam@example.com", name: "Sam Support" },
    nobody: { groups: ["elsewhere"], email: "nobody@example.com", name: "No Body" },
  },
});
const env = {
  CONSOLE_OIDC_ISSUER: provider.issuer,
  CONSOLE_OIDC_CLIENT_ID: clientId,
  CONSOLE_OIDC_NAME: "local OIDC",
  CONSOLE_OIDC_ADMIN_GROUPS: "herald-admins",
  CONSOLE_OIDC_READ_GROUPS: "herald-support",
};
console.log(`Local OIDC provider: ${provider.issuer} (client ${clientId}, back to ${consoleUrl.href})`);
console.log("Accounts (any password): alice (herald-admins), sam (herald-support), nobody (no Herald group)");
console.log(
  `\nIn another terminal:\n  ${Object.entries(env)
    .map(([k, v]) => `${k}="${v}"`)
    .join(" ")} npm start\n`,
);
console.log(`Then open ${consoleUrl.href} and choose "Sign in with local OIDC". Ctrl-C here stops the provider.`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await provider.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
