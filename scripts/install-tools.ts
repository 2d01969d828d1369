// `npm run setup`: installs the servers Herald's development stack and tests run
// (nats-server and Mailpit, via `go install`) into the git-ignored .herald/bin.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureMailpit, mailpitModule } from "../src/devstack/local-mailpit.js";
import { ensureNatsServer, natsServerModule } from "../src/devstack/local-nats.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const binDir = path.join(root, ".herald/bin");
console.log(`nats-server (${natsServerModule}): ${await ensureNatsServer(binDir)}`);
console.log(`mailpit (${mailpitModule}): ${await ensureMailpit(binDir)}`);
