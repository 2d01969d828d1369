import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { DescService } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { EventService } from "../../gen/ts/herald/v1/event_service_pb.js";
import { NotificationService } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { OperatorService } from "../../gen/ts/herald/v1/operator_service_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { TemplateService } from "../../gen/ts/herald/v1/template_service_pb.js";
import { TopicService } from "../../gen/ts/herald/v1/topic_service_pb.js";
import { WebhookService } from "../../gen/ts/herald/v1/webhook_service_pb.js";
import { WorkflowService } from "../../gen/ts/herald/v1/workflow_service_pb.js";

/**
 * The issue asks that tenant isolation be proven for every RPC. The proofs
 * live in test/api/tenant-isolation-*.test.ts; this keeps them complete: an
 * RPC added to a tenant-scoped service without a call in one of those files
 * fails here.
 */
const tenantScoped: DescService[] = [
  NotificationService,
  RecipientService,
  TemplateService,
  WebhookService,
  WorkflowService,
  TopicService,
  OperatorService,
  EventService,
];

const apiTests = path.resolve(import.meta.dirname, "../api");
const isolationSources = readdirSync(apiTests)
  .filter((f) => f.startsWith("tenant-isolation-") && f.endsWith(".test.ts"))
  .map((f) => readFileSync(path.join(apiTests, f), "utf8"))
  .join("\n");

describe("tenant isolation tests", () => {
  for (const service of tenantScoped) {
    it(`call every RPC of ${service.typeName}`, () => {
      const missing = service.methods.filter((m) => !isolationSources.includes(`.${m.localName}(`));
      expect(missing.map((m) => m.name)).toEqual([]);
    });
  }
});
