import type { DescMessage, Message } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { InvalidArgumentError } from "../domain/errors.js";
import { findShapeViolations, type RequestShapeLimits } from "./request-shape.js";

/**
 * Refuses requests whose content Herald could store but not keep or give back
 * (see findShapeViolations) with INVALID_ARGUMENT naming the field path, before
 * any handler runs. Placed after authentication, so unauthenticated callers
 * learn nothing, and before protovalidate, whose CEL rules would otherwise
 * meet timestamps and strings no rule was written for. Methods in `skip`
 * check their own requests' items (so that one bad item fails only itself).
 */
export function requestShapeInterceptor(
  limits: RequestShapeLimits,
  skip: ReadonlySet<string> = new Set(),
): Interceptor {
  const check = (schema: DescMessage, message: Message) => {
    const [violation] = findShapeViolations(schema, message, limits);
    if (violation !== undefined) throw new InvalidArgumentError(violation.path, violation.reason);
  };
  return (next) => (req) => {
    if (skip.has(`/${req.service.typeName}/${req.method.name}`)) return next(req);
    if (!req.stream) {
      check(req.method.input, req.message);
      return next(req);
    }
    const messages = req.message;
    return next({
      ...req,
      message: (async function* () {
        for await (const message of messages) {
          check(req.method.input, message);
          yield message;
        }
      })(),
    });
  };
}
