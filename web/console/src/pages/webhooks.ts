// Placeholder: op-pages owns this page; the lead takes its version at merge.
import type { ConsolePage } from "../context.js";
import { h } from "../dom.js";

export const webhooksPage: ConsolePage = {
  route: "webhooks",
  title: "Webhooks",
  scope: "read",
  render(into) {
    into.append(h("h1", { text: "Webhooks" }), h("p", { text: "Coming soon." }));
  },
};
