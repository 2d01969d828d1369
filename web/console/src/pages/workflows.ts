/**
 * Workflows: every workflow (WorkflowService.ListWorkflows); at
 * `#/workflows/<key>` the workflow as proto JSON to edit and save
 * (UpsertWorkflow), with its recent runs linking to their notifications.
 */
import "./manage-pages.css";
import { fromJson, type JsonObject, toJson } from "@bufbuild/protobuf";
import { type Workflow, WorkflowRunStatus, WorkflowSchema } from "../../../../gen/ts/herald/v1/workflow_pb.js";
import type { ConsoleContext, ConsolePage } from "../context.js";
import { field, h } from "../dom.js";
import { button, errorSlot, isNotFound, row, textArea, textInput } from "../form-kit.js";
import { workflowJson } from "../forms.js";
import { errorText, table, time } from "../labels.js";

export const workflowsPage: ConsolePage = {
  route: "workflows",
  title: "Workflows",
  scope: "read",
  async render(into, ctx, path, signal) {
    into.append(h("h1", { text: "Workflows" }));
    const key = path[0];
    if (key !== undefined) return renderWorkflow(into, ctx, key, signal);
    const list = h("div", {}, h("p", { text: "Loading workflows…" }));
    into.append(list);
    if (ctx.can("admin")) into.append(newWorkflowForm(ctx));
    try {
      const { workflows } = await ctx.clients.workflows.listWorkflows({}, { signal });
      const rows = workflows.map((w) =>
        row(
          h("a", { text: w.key, attrs: { href: `#/workflows/${encodeURIComponent(w.key)}` } }),
          w.description,
          w.categories.join(", ") || "—",
          String(w.steps.length),
          String(w.version),
          time(w.updateTime),
        ),
      );
      list.replaceChildren(
        rows.length === 0
          ? h("p", { text: "No workflows yet." })
          : table("Workflows", ["Key", "Description", "Categories", "Steps", "Version", "Updated"], rows),
      );
    } catch (err) {
      if (!signal.aborted)
        list.replaceChildren(h("p", { class: "error form-error", text: errorText(err), attrs: { role: "alert" } }));
    }
  },
};

function newWorkflowForm(ctx: ConsoleContext): HTMLElement {
  const key = textInput("key", "", { id: "new-workflow-key" });
  return h(
    "form",
    {
      class: "inline-form",
      attrs: { "aria-label": "New workflow" },
      on: {
        submit: (event) => {
          event.preventDefault();
          if (key.value.trim() !== "") ctx.navigate(`#/workflows/${encodeURIComponent(key.value.trim())}`);
        },
      },
    },
    field("New workflow key", key),
    h("div", { class: "actions" }, h("button", { text: "Create", attrs: { type: "submit" } })),
  );
}

async function renderWorkflow(into: HTMLElement, ctx: ConsoleContext, key: string, signal: AbortSignal): Promise<void> {
  into.append(h("p", {}, h("a", { text: "← All workflows", attrs: { href: "#/workflows" } })));
  let workflow: Workflow | undefined;
  try {
    workflow = (await ctx.clients.workflows.getWorkflow({ key }, { signal })).workflow;
  } catch (err) {
    if (signal.aborted) return;
    if (!isNotFound(err)) {
      into.append(h("p", { class: "error form-error", text: errorText(err), attrs: { role: "alert" } }));
      return;
    }
  }
  const json: JsonObject =
    workflow === undefined
      ? { key, description: "", categories: [], steps: [{ deliver: { channels: ["CHANNEL_IN_APP"] } }] }
      : (toJson(WorkflowSchema, workflow) as JsonObject);
  const source = textArea("workflow_json", workflowJson(json), 18);
  source.id = "workflow-json";
  const errors = errorSlot();
  const saved = h("p", { class: "result", attrs: { id: "workflow-saved" } });
  const save = async () => {
    errors.clear();
    let parsed: Workflow;
    try {
      parsed = fromJson(WorkflowSchema, JSON.parse(source.value));
    } catch (err) {
      // JSON.parse and fromJson both say what is wrong and where ("Unexpected token } in JSON at position 12").
      errors.show(`Workflow JSON: ${(err as Error).message}`, source);
      return;
    }
    try {
      const res = await ctx.clients.workflows.upsertWorkflow({ workflow: parsed }, { signal });
      saved.textContent = `Saved version ${res.workflow?.version ?? "?"} at ${time(res.workflow?.updateTime)}.`;
      ctx.announce(`Workflow ${parsed.key} saved.`);
      if (parsed.key !== key) ctx.navigate(`#/workflows/${encodeURIComponent(parsed.key)}`);
    } catch (err) {
      if (signal.aborted) return;
      errors.show(errorText(err), source);
    }
  };
  const form = h(
    "form",
    { class: "workflow-form", on: { submit: (e) => e.preventDefault() } },
    field("Workflow (proto JSON)", source),
    errors.element,
  );
  if (ctx.can("admin"))
    form.append(
      h(
        "div",
        { class: "actions" },
        button("Save", () => void save(), { attrs: { id: "workflow-save" } }),
      ),
    );
  form.append(saved);
  into.append(
    h("h2", { text: key }),
    h(
      "p",
      {},
      workflow === undefined
        ? "New workflow: not saved yet. Steps, conditions and windows are described in workflow.proto."
        : `Version ${workflow.version}, changed ${time(workflow.updateTime)}.`,
    ),
    form,
  );
  if (workflow !== undefined) into.append(await runsSection(ctx, key, signal));
}

/** The workflow's latest runs, newest first, each linking to its notification's page. */
async function runsSection(ctx: ConsoleContext, key: string, signal: AbortSignal): Promise<HTMLElement> {
  const section = h("section", {}, h("h2", { text: "Recent runs" }));
  try {
    const { runs } = await ctx.clients.workflows.listWorkflowRuns({ workflowKey: key, pageSize: 20 }, { signal });
    const rows = runs.map((r) =>
      row(
        time(r.createTime),
        r.userId,
        (WorkflowRunStatus[r.status] ?? "unknown").toLowerCase(),
        `v${r.workflowVersion}`,
        r.steps.map((s) => `${s.kind}: ${s.reason || "—"}`).join("; "),
        h("a", { text: r.notificationId, attrs: { href: `#/notifications/${encodeURIComponent(r.notificationId)}` } }),
      ),
    );
    section.append(
      rows.length === 0
        ? h("p", { text: "No runs yet." })
        : table("The 20 latest runs", ["Started", "User", "Status", "Version", "Steps", "Notification"], rows),
    );
  } catch (err) {
    section.append(h("p", { class: "error form-error", text: errorText(err) }));
  }
  return section;
}
