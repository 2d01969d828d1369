// Placeholder: op-pages owns this page; the lead takes its version at merge.
import type { ConsolePage } from "../context.js";
import { h } from "../dom.js";

export const templatesPage: ConsolePage = {
  route: "templates",
  title: "Templates",
  scope: "read",
  render(into) {
    into.append(h("h1", { text: "Templates" }), h("p", { text: "Coming soon." }));
  },
};
