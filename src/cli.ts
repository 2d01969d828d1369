// The `herald` command. Each command loads only the modules it needs (see
// cli-commands.ts), so `herald token` or `herald keys list` answers in a
// fraction of a second instead of loading the whole server.
const usage = `herald: the Herald notification service

  herald serve                          serve on PORT (the default command)
  herald migrate                        apply pending database migrations
  herald tenants create <id> [--name N] create a tenant (a customer workspace)
  herald tenants list                   list tenants
  herald tenants get <id>               show a tenant and its settings (secrets masked)
  herald tenants delete <id>            delete a tenant and all its data (revoke its keys first)
  herald keys create --name N [--scopes send,read,admin] [--tenant T]
                                        create an API key (printed once), of the default
                                        tenant or of T (super_admin: default tenant only)
  herald keys list [--tenant T]         list API keys (ids, names, scopes; never secrets)
  herald keys revoke <id>               revoke an API key
  herald token <user-id> [--ttl 3600] [--tenant T]
                                        mint a user token (HERALD_USER_TOKEN_SECRET, or
                                        in a checkout the secret of \`npm start\`), of the
                                        default tenant or of T
  herald vapid generate [--subject mailto:ops@example.com]
                                        print a new Web Push (VAPID) key pair as env lines

Configuration comes from the environment; see the README.`;

const argv = process.argv.slice(2);
// Tracing starts before anything else is loaded, because the pg instrumentation
// hooks `require` and pg must not be loaded before it is in. Only the server
// traces, and the OpenTelemetry SDK (slow to load) is loaded only when an
// OTEL_* variable could turn tracing on (instrument.ts decides).
const traces = (argv[0] ?? "serve") === "serve" && Object.keys(process.env).some((name) => name.startsWith("OTEL_"));
const tracing = traces ? (await import("./telemetry/instrument.js")).tracing : null;

const { runCli } = await import("./cli-commands.js");
runCli(argv, { usage, tracing }).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
