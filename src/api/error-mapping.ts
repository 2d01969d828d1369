import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import { ConnectionError as SequelizeConnectionError, BaseError as SequelizeError } from "sequelize";
import {
  AlreadyExistsError,
  DeadlineExceededError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnavailableError,
} from "../domain/errors.js";

const codes: Array<[new (...args: never[]) => Error, Code]> = [
  [InvalidArgumentError, Code.InvalidArgument],
  [UnauthenticatedError, Code.Unauthenticated],
  [PermissionDeniedError, Code.PermissionDenied],
  [NotFoundError, Code.NotFound],
  [AlreadyExistsError, Code.AlreadyExists],
  [ResourceExhaustedError, Code.ResourceExhausted],
  [FailedPreconditionError, Code.FailedPrecondition],
  [UnavailableError, Code.Unavailable],
  [DeadlineExceededError, Code.DeadlineExceeded],
];

/**
 * The one mapping from errors to Connect codes. Domain errors keep their message,
 * which was written for the caller. A lost database connection is Unavailable,
 * so clients retry it. Anything else is a bug: the caller gets Internal with a
 * generic message, and the log gets the error.
 */
export function toConnectError(
  error: unknown,
  logger: Logger,
  procedure: string,
  requestSignal?: AbortSignal,
): ConnectError {
  if (error instanceof ConnectError) return error;
  if (isClientGone(error, requestSignal)) {
    // Not Herald's failure: the caller hung up (closed the stream, reset it,
    // dropped the connection mid-request). Nobody hears the status.
    logger.debug({ err: error, procedure }, "client went away");
    return new ConnectError("the client went away", Code.Canceled, undefined, undefined, error);
  }
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

/** Node's codes for writing to, or reading from, a stream the peer already closed. */
const closedStreamCodes = new Set([
  "ERR_STREAM_PREMATURE_CLOSE",
  "ERR_STREAM_DESTROYED",
  "ERR_STREAM_WRITE_AFTER_END",
  "ERR_HTTP2_INVALID_STREAM",
  "ERR_HTTP2_STREAM_CANCEL",
  "ERR_HTTP2_STREAM_ERROR",
]);

/**
 * Whether an error only says the client left: the request was aborted by the
 * client (connect-node and the grpc-js bridge abort the request signal with
 * Canceled), or Node reports a closed stream. `aborted` (ECONNRESET) is what
 * Node's HTTP server raises for a request body cut off by its client; database
 * connection errors never carry that message.
 */
function isClientGone(error: unknown, requestSignal: AbortSignal | undefined): boolean {
  if (requestSignal?.aborted && ConnectError.from(requestSignal.reason).code === Code.Canceled) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && closedStreamCodes.has(code)) return true;
  return code === "ECONNRESET" && error.message === "aborted";
}
