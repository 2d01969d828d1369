import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { NotificationService } from "../../../gen/ts/herald/v1/notification_service_pb.js";
import { OperatorService } from "../../../gen/ts/herald/v1/operator_service_pb.js";
import { RecipientService } from "../../../gen/ts/herald/v1/recipient_service_pb.js";
import { TemplateService } from "../../../gen/ts/herald/v1/template_service_pb.js";
import { WebhookService } from "../../../gen/ts/herald/v1/webhook_service_pb.js";
import { WorkflowService } from "../../../gen/ts/herald/v1/workflow_service_pb.js";
import type { ConsoleClients } from "./context.js";

/**
 * Connect clients to the Herald that served the console (same origin), each
 * call carrying `token`. A call Herald answers UNAUTHENTICATED (the key was
 * revoked, the ID token expired) calls `onSessionEnded` with its message.
 */
export function createConsoleClients(
  token: string,
  onSessionEnded: (message: string) => void,
  baseUrl = location.origin,
): ConsoleClients {
  const bearer: Interceptor = (next) => async (req) => {
    req.header.set("Authorization", `Bearer ${token}`);
    try {
      return await next(req);
    } catch (err) {
      if (err instanceof ConnectError && err.code === Code.Unauthenticated) onSessionEnded(err.rawMessage);
      throw err;
    }
  };
  const transport = createConnectTransport({ baseUrl, interceptors: [bearer] });
  return {
    notifications: createClient(NotificationService, transport),
    operator: createClient(OperatorService, transport),
    recipients: createClient(RecipientService, transport),
    templates: createClient(TemplateService, transport),
    workflows: createClient(WorkflowService, transport),
    webhooks: createClient(WebhookService, transport),
  };
}
