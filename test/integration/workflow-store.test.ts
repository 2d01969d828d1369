import { beforeAll, describe, expect, it } from "vitest";
import { defaultTenant } from "../../src/domain/tenant.js";
import type { WorkflowDefinition } from "../../src/domain/workflow.js";
import { candidatePatterns, workflowStore } from "../../src/store/workflow-store.js";
import { useMigratedDatabase } from "../helpers/migrated-database.js";

// forSend is on the Send path: which workflow a category runs, from patterns.
const database = useMigratedDatabase();

const def = (key: string, categories: string[]): WorkflowDefinition => ({
  key,
  description: "",
  categories,
  steps: [{ kind: "deliver", channels: ["in_app"], templateKey: "" }],
  sendWindow: null,
});
const upsert = (d: WorkflowDefinition, maxCount = 200) =>
  database.db.transaction((tx) => workflowStore.upsert(tx, defaultTenant, d, { maxCount }));
const runFor = async (category: string, key = "") =>
  (await workflowStore.forSend(database.db, defaultTenant, { key, category }))?.key ?? null;

describe("workflowStore.forSend", () => {
  beforeAll(async () => {
    await upsert(def("all-comments", ["comments.*"]));
    await upsert(def("replies", ["comments.reply.*"]));
    await upsert(def("new-comment", ["comments.new"]));
    await upsert(def("billing", ["billing.*"]));
    await upsert(def("exact-reply", ["comments.reply.new"]));
  });

  it("lists candidate patterns most specific first", () => {
    expect(candidatePatterns("a.b.c")).toEqual(["a.b.c", "a.b.*", "a.*"]);
    expect(candidatePatterns("a")).toEqual(["a"]);
  });

  it("prefers an exact pattern to any prefix, and a longer prefix to a shorter", async () => {
    expect(await runFor("comments.new")).toBe("new-comment");
    expect(await runFor("comments.reply.new")).toBe("exact-reply");
    expect(await runFor("comments.reply.edit")).toBe("replies");
    expect(await runFor("comments.like")).toBe("all-comments");
    // `comments.*` needs something after the dot.
    expect(await runFor("comments")).toBeNull();
    expect(await runFor("orders.shipped")).toBeNull();
  });

  it("ignores deleted workflows, falling back to the next pattern", async () => {
    await database.db.transaction((tx) => workflowStore.delete(tx, defaultTenant, "replies"));
    expect(await runFor("comments.reply.edit")).toBe("all-comments");
    expect(await runFor("x", "replies")).toBeNull();
  });

  it("runs the workflow named by key, whatever the category, in its current version", async () => {
    expect(await runFor("orders.shipped", "billing")).toBe("billing");
    await upsert({ ...def("billing", ["billing.*"]), description: "v2" });
    expect((await workflowStore.forSend(database.db, defaultTenant, { key: "billing", category: "x" }))?.version).toBe(
      2,
    );
    expect(
      (await workflowStore.forSend(database.db, defaultTenant, { key: "", category: "billing.invoice" }))?.description,
    ).toBe("v2");
    expect(await runFor("x", "no-such-workflow")).toBeNull();
  });

  it("frees a deleted workflow's patterns and brings it back as a new version", async () => {
    await upsert(def("takes-replies", ["comments.reply.*"]));
    expect(await runFor("comments.reply.edit")).toBe("takes-replies");
    await database.db.transaction((tx) => workflowStore.delete(tx, defaultTenant, "takes-replies"));
    const back = await upsert(def("takes-replies", ["comments.reply.*"]));
    expect(back.version).toBe(2);
    expect(await runFor("comments.reply.edit")).toBe("takes-replies");
  });

  it("bounds the number of workflows, deleted ones not counted", async () => {
    const [{ n }] = (await database.db.rows("SELECT count(*)::int AS n FROM workflows WHERE deleted_at IS NULL")) as [
      { n: number },
    ];
    await expect(upsert(def("one-too-many", []), n)).rejects.toThrow(/WORKFLOW_MAX_COUNT/);
    // A new version of an existing workflow is not a new workflow.
    await expect(upsert({ ...def("billing", ["billing.*"]), description: "v3" }, n)).resolves.toMatchObject({
      version: 3,
    });
  });
});
