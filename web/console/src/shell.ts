import type { WhoAmIResponse } from "../../../gen/ts/herald/v1/operator_service_pb.js";
import type { ConsoleClients, ConsoleConfig, ConsoleContext, ConsolePage, ScopeName } from "./context.js";
import { h } from "./dom.js";
import { activityPage } from "./pages/activity.js";
import { deadLettersPage } from "./pages/dead-letters.js";
import { healthPage } from "./pages/health.js";
import { notificationPage } from "./pages/notification.js";
import { recipientsPage } from "./pages/recipients.js";
import { templatesPage } from "./pages/templates.js";
import { webhooksPage } from "./pages/webhooks.js";
import { workflowsPage } from "./pages/workflows.js";
import { parseHash } from "./route.js";

/** Pages in the navigation, in order; the notification page is reached from the others. */
const navPages: ConsolePage[] = [
  activityPage,
  deadLettersPage,
  recipientsPage,
  templatesPage,
  workflowsPage,
  webhooksPage,
  healthPage,
];
const pages = new Map([...navPages, notificationPage].map((p) => [p.route, p]));

export interface ShellOptions {
  clients: ConsoleClients;
  who: WhoAmIResponse;
  config: ConsoleConfig;
  onSignOut(): void;
}

/**
 * The signed-in console: a header with who is signed in, the navigation of
 * the pages the caller's scopes allow, and the page the hash names. Returns a
 * function that stops the shell (its routing and the open page).
 */
export function renderShell(into: HTMLElement, options: ShellOptions): () => void {
  const { who } = options;
  const can = (scope: ScopeName) => who.scopes.includes("admin") || who.scopes.includes(scope);
  const status = h("div", { class: "announce", attrs: { role: "status", "aria-live": "polite" } });
  const alert = h("div", { class: "announce error", attrs: { role: "alert" } });
  let clearing: ReturnType<typeof setTimeout> | undefined;
  let saying: ReturnType<typeof setTimeout> | undefined;
  const ctx: ConsoleContext = {
    clients: options.clients,
    who,
    config: options.config,
    can,
    navigate: (hash) => {
      if (location.hash === hash) show();
      else location.hash = hash;
    },
    announce: (message, kind = "info") => {
      // Cleared first, so the same message said twice is read twice.
      const [target, other] = kind === "error" ? [alert, status] : [status, alert];
      other.textContent = "";
      target.textContent = "";
      clearTimeout(clearing);
      clearTimeout(saying); // a message still waiting gives way to this one
      saying = setTimeout(() => {
        target.textContent = message;
      }, 50);
      // Gone after a while, so it does not cover the page; errors stay until the next message.
      if (kind === "info") clearing = setTimeout(() => (target.textContent = ""), 8_000);
    },
  };
  const links = navPages
    .filter((p) => can(p.scope))
    .map((p) => h("a", { text: p.title, attrs: { href: `#/${p.route}`, "data-route": p.route } }));
  const main = h("main", { attrs: { id: "main", tabindex: "-1" } });
  const signOut = h("button", {
    class: "secondary small",
    text: "Sign out",
    attrs: { type: "button", id: "sign-out" },
    on: { click: () => options.onSignOut() },
  });
  into.replaceChildren(
    h("a", {
      class: "skip-link",
      text: "Skip to content",
      attrs: { href: "#main" },
      // The hash holds the route: move the focus without changing it.
      on: {
        click: (event) => {
          event.preventDefault();
          main.focus();
        },
      },
    }),
    h(
      "header",
      { class: "top" },
      h("span", { class: "brand", text: "Herald console" }),
      h(
        "p",
        { class: "who", attrs: { id: "who" } },
        "Signed in as ",
        h("strong", { text: who.name }),
        ` (${kindLabel(who.kind)}) · scopes: ${who.scopes.join(", ") || "none"}`,
      ),
      signOut,
    ),
    h("nav", { attrs: { "aria-label": "Console pages" } }, ...links),
    main,
    status,
    alert,
  );

  let current: AbortController | null = null;
  function show() {
    current?.abort();
    const controller = new AbortController();
    current = controller;
    const route = parseHash(location.hash);
    const page = pages.get(route.name);
    if (page === undefined && route.name === "") {
      location.replace("#/activity");
      return;
    }
    for (const link of links) {
      if (link.dataset.route === route.name) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    const container = h("div", { class: `page page-${page?.route ?? "missing"}` });
    main.replaceChildren(container);
    document.title = `${page?.title ?? "Not found"} · Herald console`;
    const rendered = renderPage(page, container, ctx, route.path, controller.signal);
    Promise.resolve(rendered)
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        container.append(h("p", { class: "form-error", text: `This page failed: ${(err as Error).message}` }));
      })
      .finally(() => {
        if (!controller.signal.aborted) focusHeading(container);
      });
    // A page that renders its heading at once gets the focus without waiting for its data.
    focusHeading(container);
  }

  window.addEventListener("hashchange", show);
  show();
  return () => {
    window.removeEventListener("hashchange", show);
    current?.abort();
  };
}

function renderPage(
  page: ConsolePage | undefined,
  into: HTMLElement,
  ctx: ConsoleContext,
  path: string[],
  signal: AbortSignal,
): Promise<void> | void {
  if (page === undefined) {
    into.append(h("h1", { text: "Not found" }), h("p", { text: "No console page has this address." }));
    return;
  }
  if (!ctx.can(page.scope)) {
    into.append(h("h1", { text: page.title }), h("p", { text: `This page needs the ${page.scope} scope.` }));
    return;
  }
  return page.render(into, ctx, path, signal);
}

/** Moves the focus to the page's <h1>, so keyboard and screen reader users start at the new page. */
function focusHeading(container: HTMLElement): void {
  const heading = container.querySelector("h1");
  if (heading === null || document.activeElement === heading) return;
  // Only while nothing inside the page has the focus already (a form the user is typing in).
  if (container.contains(document.activeElement) && document.activeElement !== container) return;
  heading.setAttribute("tabindex", "-1");
  heading.focus();
}

function kindLabel(kind: string): string {
  return kind === "api_key" ? "API key" : kind === "oidc" ? "single sign-on" : kind;
}
