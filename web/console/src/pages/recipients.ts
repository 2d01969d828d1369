// Placeholder: op-pages owns this page; the lead takes its version at merge.
import type { ConsolePage } from "../context.js";
import { h } from "../dom.js";

export const recipientsPage: ConsolePage = {
  route: "recipients",
  title: "Recipients",
  scope: "read",
  render(into) {
    into.append(h("h1", { text: "Recipients" }), h("p", { text: "Coming soon." }));
  },
};
