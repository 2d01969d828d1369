// `npm run setup`: installs the servers Herald's development stack and tests run
// (nats-server, Mailpit and grpcurl, via `go install`) into the git-ignored .herald/bin.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureMailpit, mailpitModule } from "../dev/local-mailpit.js";
import { ensureNatsServer, goInstall, natsServerModule } from "../dev/local-nats.js";

/** grpcurl, the independent gRPC client the reflection tests (and the README) use. */
const grpcurlModule = "github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.3";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const binDir = path.join(root, ".herald/bin");
console.log(`nats-server (${natsServerModule}): ${await ensureNatsServer(binDir)}`);
console.log(`mailpit (${mailpitModule}): ${await ensureMailpit(binDir)}`);
console.log(`grpcurl (${grpcurlModule}): ${await goInstall(binDir, "grpcurl", grpcurlModule)}`);
