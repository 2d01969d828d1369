// Placeholder: op-pages owns this page; the lead takes its version at merge.
import type { ConsolePage } from "../context.js";
import { h } from "../dom.js";

export const workflowsPage: ConsolePage = {
  route: "workflows",
  title: "Workflows",
  scope: "read",
  render(into) {
    into.append(h("h1", { text: "Workflows" }), h("p", { text: "Coming soon." }));
  },
};
