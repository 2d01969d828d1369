import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import { ConnectionError as SequelizeConnectionError, BaseError as SequelizeError } from "sequelize";
import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  UnauthenticatedError,
  UnavailableError,
} from "../domain/errors.js";

const codes: Array<[new (...args: never[]) => Error, Code]> = [
  [InvalidArgumentError, Code.InvalidArgument],
  [UnauthenticatedError, Code.Unauthenticated],
  [PermissionDeniedError, Code.PermissionDenied],
  [NotFoundError, Code.NotFound],
  [AlreadyExistsError, Code.AlreadyExists],
  [FailedPreconditionError, Code.FailedPrecondition],
  [UnavailableError, Code.Unavailable],
];

/**
 * The one mapping from errors to Connect codes. Domain errors keep their message,
 * which was written for the caller. A lost database connection is Unavailable,
 * so clients retry it. Anything else is a bug: the caller gets Internal with a
 * generic message, and the log gets the error.
 */
export function toConnectError(error: unknown, logger: Logger, procedure: string): ConnectError {
  if (error instanceof ConnectError) return error;
  for (const [type, code] of codes) {
    if (error instanceof type) return new ConnectError(error.message, code, undefined, undefined, error);
  }
  if (error instanceof SequelizeConnectionError || isConnectionLoss(error)) {
    logger.warn({ err: error, procedure }, "database unavailable");
    return new ConnectError("database unavailable, try again", Code.Unavailable, undefined, undefined, error);
  }
  logger.error({ err: error, procedure }, error instanceof SequelizeError ? "database error" : "unexpected error");
  return new ConnectError("internal error", Code.Internal, undefined, undefined, error);
}

/**
 * Whether a node-postgres error means the database is out of reach (refused,
 * reset, shut down: SQLSTATE class 08 and 57P0x) rather than that the query was
 * wrong: those are worth a retry by the caller.
 */
function isConnectionLoss(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (/^08/.test(code) || /^57P0[123]$/.test(code))) return true;
  if (typeof code === "string" && ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE"].includes(code)) return true;
  return /Connection terminated/.test(error.message);
}
