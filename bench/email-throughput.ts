// `npm run bench:email`: scenario 6 of the benchmark harness (bench/run.ts),
// emails per second from Send through the outbox, JetStream and the email worker
// to Mailpit. Takes the harness's flags, e.g. `npm run bench:email -- --quick`.
import { main } from "./run.js";

main(["--only", "6", ...process.argv.slice(2)], "npm run bench:email");
