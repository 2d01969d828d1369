import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import { UnauthenticatedError } from "../domain/errors.js";
import type { Principal } from "../domain/principal.js";

/** Set by the auth interceptor for every call that reaches a handler. */
export const principalKey = createContextKey<Principal | null>(null, { description: "authenticated caller" });

export function principalOf(ctx: HandlerContext): Principal {
  const principal = ctx.values.get(principalKey);
  if (principal === null) throw new UnauthenticatedError("missing credentials");
  return principal;
}
