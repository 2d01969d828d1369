import { create } from "@bufbuild/protobuf";
import { pathToString } from "@bufbuild/protobuf/reflect";
import { createValidator } from "@bufbuild/protovalidate";
import { Code, ConnectError } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import type { Logger } from "pino";
import {
  type SendRequest,
  SendRequestSchema,
  type SendResult,
  SendResultSchema,
  type SendStreamRequest,
  SendStreamRequestSchema,
} from "../../gen/ts/herald/v1/notification_service_pb.js";
import { notificationToPb } from "../contract/notification.js";
import { draftFromPb } from "../contract/requests.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { SendItem, SendOutcome } from "../usecases/send-many.js";
import { toConnectError } from "./error-mapping.js";
import { findShapeViolations, type RequestShapeLimits } from "./request-shape.js";

/** Longest `ref` of a SendStream item. */
export const maxRefLength = 128;

/**
 * The items of SendBatch and SendStream, checked one by one: the request
 * interceptors leave these two methods' items alone (one bad item must not
 * fail the call), so each item goes through the same two checks a Send's
 * request does (shape, then protovalidate's field rules) when its turn comes.
 */
export function createSendItems(options: { limits: RequestShapeLimits; logger: Logger }) {
  const validator = createValidator();

  function itemOf(req: SendRequest): SendItem {
    const [violation] = findShapeViolations(SendRequestSchema, req, options.limits);
    if (violation !== undefined)
      return { refused: new InvalidArgumentError(violation.path, violation.reason), ref: undefined };
    const result = validator.validate(SendRequestSchema, req);
    if (result.kind !== "valid") {
      const first = result.kind === "invalid" ? result.violations[0] : undefined;
      // A rule over several fields has no path; its message starts with the field it is about.
      const field =
        first === undefined ? "" : pathToString(first.field) || (/^([a-z_]+): /.exec(first.message)?.[1] ?? "");
      return { refused: new FieldError(field, result.error.message), ref: undefined };
    }
    return { draft: draftFromPb(req), ref: undefined };
  }

  return {
    batchItem: itemOf,

    streamItem(req: SendStreamRequest): SendItem<string> {
      const [violation] = findShapeViolations(SendStreamRequestSchema, req, options.limits);
      const ref = violation === undefined && req.ref.length <= maxRefLength ? req.ref : "";
      if (violation !== undefined) {
        return { refused: new InvalidArgumentError(violation.path.replace(/^send\./, ""), violation.reason), ref };
      }
      if (req.ref.length > maxRefLength) {
        return { refused: new InvalidArgumentError("ref", `must be at most ${maxRefLength} characters`), ref };
      }
      if (req.send === undefined) return { refused: new InvalidArgumentError("send", "is required"), ref };
      return { ...itemOf(req.send), ref };
    },

    /** An item's outcome as the contract says it: the Send's response, or its error as Send would report it. */
    resultOf(outcome: SendOutcome<unknown>, procedure: string): SendResult {
      if ("notifications" in outcome) {
        return create(SendResultSchema, {
          outcome: {
            case: "sent",
            value: { notifications: outcome.notifications.map(notificationToPb), fanoutId: outcome.fanoutId },
          },
        });
      }
      const error = outcome.error;
      const e = toConnectError(error, options.logger, procedure);
      const field = error instanceof InvalidArgumentError || error instanceof FieldError ? error.field : "";
      return create(SendResultSchema, {
        outcome: { case: "error", value: { code: codeToString(e.code), message: e.rawMessage, field } },
      });
    },
  };
}

export type SendItems = ReturnType<typeof createSendItems>;

/** A protovalidate violation: its message already names the field, as Send's would. */
class FieldError extends ConnectError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message, Code.InvalidArgument);
  }
}
