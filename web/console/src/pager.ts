import type { ConsoleContext } from "./context.js";
import { h } from "./dom.js";
import { routeHash } from "./route.js";

/**
 * Previous / Next page buttons of a paged view whose address holds its page
 * tokens (`pages=<t1>,<t2>`: the tokens of the pages before this one), so a
 * page can be bookmarked and Previous goes back without asking the server.
 */
export function pager(
  ctx: ConsoleContext,
  route: string,
  query: URLSearchParams,
  tokens: string[],
  nextPageToken: string,
): HTMLElement {
  const goTo = (nextTokens: string[]) => {
    const next = new URLSearchParams(query);
    if (nextTokens.length === 0) next.delete("pages");
    else next.set("pages", nextTokens.join(","));
    ctx.navigate(routeHash(route, [], next));
  };
  const button = (text: string, to: string[]) =>
    h("button", { text, attrs: { type: "button" }, on: { click: () => goTo(to) } });
  const box = h("div", { class: "pager" });
  if (tokens.length > 0) box.append(button("Previous page", tokens.slice(0, -1)));
  if (nextPageToken !== "") box.append(button("Next page", [...tokens, nextPageToken]));
  return box;
}
