import type { AddressInfo } from "node:net";
import { type App, createApp, type HttpRoutes } from "./app.js";
import { type Config, loadConfig } from "./config.js";
import { createLogger, type Logger } from "./telemetry/logger.js";
import type { Tracing } from "./telemetry/tracing.js";

export interface ServeOptions {
  config?: Config;
  logger?: Logger;
  /** Called once the server listens. */
  onListening?: (address: AddressInfo, app: App) => void | Promise<void>;
  /** Runs after Herald has closed, before the process exits (the dev stack stops its servers here). */
  afterClose?: () => Promise<void>;
  /** Extra HTTP routes (the development server's pages). */
  extraRoutes?: HttpRoutes;
  /** Tracing to flush at shutdown (started by the entry point, see main.ts). */
  tracing?: Tracing | null;
}

/**
 * Serves Herald until SIGTERM, SIGINT or SIGHUP, then shuts down gracefully
 * within SHUTDOWN_TIMEOUT_MS and exits (forcibly if the deadline passes),
 * logging what it stopped.
 */
export async function serve(options: ServeOptions = {}): Promise<App> {
  const config = options.config ?? loadConfig();
  const logger = options.logger ?? createLogger(config.telemetry.logLevel);
  const app = await createApp(config, logger, { extraRoutes: options.extraRoutes });
  const address = await app.listen(config.server.port, config.server.host);
  logger.info({ address: address.address, port: address.port }, "herald listening (gRPC, gRPC-Web, Connect)");
  await options.onListening?.(address, app);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    logger.info({ signal }, "shutting down");
    let stage = "";
    const force = setTimeout(() => {
      logger.error({ waitingFor: stage }, "shutdown deadline passed, exiting");
      process.exit(1);
    }, config.server.shutdownTimeoutMs + 5_000);
    force.unref();
    app
      .close((s) => {
        stage = s;
      })
      .then(() => {
        logger.info(
          { signal, ms: Date.now() - started },
          "herald stopped: streams ended, server closed, workers and outbox relay stopped, NATS drained, Postgres pool closed",
        );
        return options.tracing?.shutdown();
      })
      .then(() => options.afterClose?.())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, "shutdown failed");
          process.exit(1);
        },
      );
  };
  // SIGHUP too: a closed terminal or a process manager sends it, and Node's
  // default for it is to exit on the spot, without any of the above. The
  // listeners stay: a second signal (a Ctrl-C reaches `npm start` both from the
  // terminal and from npm passing it on) must not kill the process mid-shutdown;
  // the deadline above bounds a stuck one.
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => stop(signal));
  return app;
}
