/**
 * Named domain errors. Use cases throw these; `api/error-mapping.ts` is the one
 * place that turns them into Connect codes. Anything else that escapes a use
 * case is a bug and becomes `Internal` without its message.
 */
export class DomainError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The request is malformed; `field` names the offending field path. */
export class InvalidArgumentError extends DomainError {
  constructor(
    readonly field: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`${field}: ${reason}`, options);
  }
}

/** The caller presented no credentials, or credentials that do not verify. */
export class UnauthenticatedError extends DomainError {}

/** The caller is known but may not do this (missing scope, another user's data). */
export class PermissionDeniedError extends DomainError {}

/** The named resource does not exist, or is not visible to the caller. */
export class NotFoundError extends DomainError {}

/** The request conflicts with one made before (for example a reused idempotency key). */
export class AlreadyExistsError extends DomainError {}

/** A cap or quota would be exceeded (devices or preference categories of a user, say); the message names the limit. */
export class ResourceExhaustedError extends DomainError {}

/** The request is valid but the system is not in a state to run it. */
export class FailedPreconditionError extends DomainError {}

/** A dependency (Postgres, NATS) is unreachable; the caller may retry. */
export class UnavailableError extends DomainError {}

/** The call waited longer than it may (an idle stream, say); the message names the limit. */
export class DeadlineExceededError extends DomainError {}
