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
  if (error instanceof SequelizeConnectionError) {
    logger.warn({ err: error, procedure }, "database unavailable");
    return new ConnectError("database unavailable, try again", Code.Unavailable, undefined, undefined, error);
  }
  logger.error({ err: error, procedure }, error instanceof SequelizeError ? "database error" : "unexpected error");
  return new ConnectError("internal error", Code.Internal, undefined, undefined, error);
}
