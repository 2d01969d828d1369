import type { ServiceImpl } from "@connectrpc/connect";
import type { WorkflowService } from "../../gen/ts/herald/v1/workflow_service_pb.js";
import { runStatusFromPb, workflowFromPb, workflowRunToPb, workflowToPb } from "../contract/workflow.js";
import type { UseCases } from "../usecases/index.js";
import { principalOf } from "./principal-context.js";

/** herald.v1.WorkflowService. */
export function workflowService(uc: UseCases): ServiceImpl<typeof WorkflowService> {
  return {
    async upsertWorkflow(req, ctx) {
      // The contract requires `workflow`; protovalidate checked it.
      const def = workflowFromPb(req.workflow as NonNullable<typeof req.workflow>);
      return { workflow: workflowToPb(await uc.workflows.upsert(principalOf(ctx), def)) };
    },
    async getWorkflow(req, ctx) {
      return { workflow: workflowToPb(await uc.workflows.get(principalOf(ctx), req.key, req.version)) };
    },
    async listWorkflows(_req, ctx) {
      return { workflows: (await uc.workflows.list(principalOf(ctx))).map(workflowToPb) };
    },
    async deleteWorkflow(req, ctx) {
      await uc.workflows.delete(principalOf(ctx), req.key);
      return {};
    },
    async listWorkflowRuns(req, ctx) {
      const filter = {
        notificationId: req.notificationId,
        userId: req.userId,
        workflowKey: req.workflowKey,
        status: runStatusFromPb(req.status),
      };
      const page = await uc.workflows.listRuns(principalOf(ctx), filter, req.pageSize, req.pageToken);
      return { runs: page.runs.map(workflowRunToPb), nextPageToken: page.nextPageToken };
    },
    async getWorkflowRun(req, ctx) {
      return { run: workflowRunToPb(await uc.workflows.getRun(principalOf(ctx), req.id)) };
    },
    async cancelWorkflows(req, ctx) {
      return { canceledCount: await uc.workflows.cancel(principalOf(ctx), req.cancellationKey, req.userIds) };
    },
  };
}
