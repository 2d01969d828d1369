// The `herald` command. Tracing starts first; everything else is loaded after
// it (dynamically), because the pg instrumentation hooks `require` and pg must
// not be loaded before it is in.
import { tracing } from "./telemetry/instrument.js";

const usage = `herald: the Herald notification service

  herald serve                          serve on PORT (the default command)
  herald migrate                        apply pending database migrations
  herald keys create --name N [--scopes send,read,admin]
                                        create an API key (printed once)
  herald keys list                      list API keys (ids, names, scopes; never secrets)
  herald keys revoke <id>               revoke an API key
  herald token <user-id> [--ttl 3600]   mint a user token (needs HERALD_USER_TOKEN_SECRET)

Configuration comes from the environment; see the README.`;

const { runCli } = await import("./cli-commands.js");
runCli(process.argv.slice(2), { usage, tracing }).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
