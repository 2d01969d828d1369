// `npm run grpcurl -- <arguments>`: grpcurl from the tool cache (compiled on
// first use), so the README's grpcurl lines work without installing anything
// or changing PATH. Exits with grpcurl's status.
import { spawn } from "node:child_process";
import { ensureGrpcurl } from "../dev/grpcurl.js";

const child = spawn(await ensureGrpcurl(), process.argv.slice(2), { stdio: "inherit" });
child.on("exit", (code, signal) => {
  process.exitCode = code ?? (signal === null ? 1 : 128);
});
