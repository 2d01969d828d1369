// `npm run bench:feed-latency`: scenario 3 of the benchmark harness (bench/run.ts),
// send-to-feed latency at 1,000 Sends/s over 1,000 open Subscribe streams, then
// the same load on Centrifugo (`--no-peer` skips it).
// Takes the harness's flags, e.g. `npm run bench:feed-latency -- --quick`.
import { main } from "./run.js";

main(["--only", "3", ...process.argv.slice(2)], "npm run bench:feed-latency");
