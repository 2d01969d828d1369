// `npm run setup`: installs the servers Herald's development stack and tests run
// (nats-server via `go install`) into the git-ignored .herald/bin.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureNatsServer, natsServerModule } from "../src/devstack/local-nats.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = await ensureNatsServer(path.join(root, ".herald/bin"));
console.log(`nats-server (${natsServerModule}): ${bin}`);
