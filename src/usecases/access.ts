import { InvalidArgumentError, PermissionDeniedError } from "../domain/errors.js";
import type { Principal, Scope } from "../domain/principal.js";

/** Fails unless the caller is an API key or an operator holding `scope` (or `admin`). */
export function requireScope(principal: Principal, scope: Scope, action: string): void {
  if (principal.kind === "user") {
    throw new PermissionDeniedError(`only API keys and operators may ${action}`);
  }
  if (!principal.scopes.includes(scope) && !principal.scopes.includes("admin")) {
    const who = principal.kind === "api_key" ? `API key "${principal.name}"` : `operator "${principal.name}"`;
    throw new PermissionDeniedError(`${who} lacks the "${scope}" scope needed to ${action}`);
  }
}

/**
 * Decides whose data a per-user request touches. A user token reaches only its
 * own user (an empty `user_id` means that user); an API key or an operator must
 * name the user and hold `scope`.
 */
export function resolveUserId(principal: Principal, requested: string, scope: Scope, action: string): string {
  if (principal.kind === "user") {
    if (requested !== "" && requested !== principal.userId) {
      throw new PermissionDeniedError(`a user token may only ${action} for its own user`);
    }
    return principal.userId;
  }
  if (requested === "") {
    throw new InvalidArgumentError("user_id", "is required when calling with an API key or as an operator");
  }
  requireScope(principal, scope, action);
  return requested;
}
