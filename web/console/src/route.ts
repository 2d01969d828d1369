/** A console route: `#/<route>/<rest...>?<query>`. */
export interface Route {
  name: string;
  path: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, "");
  const [pathPart = "", queryPart = ""] = raw.split("?", 2);
  const segments = pathPart
    .split("/")
    .filter((s) => s !== "")
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { name: segments[0] ?? "", path: segments.slice(1), query: new URLSearchParams(queryPart) };
}

/** The current hash's query (`#/activity?user=alice`), for pages that keep their filters in the URL. */
export function hashQuery(): URLSearchParams {
  return parseHash(location.hash).query;
}

/** `#/<name>/<segments...>?<query>`, each segment encoded. */
export function routeHash(name: string, segments: string[] = [], query?: URLSearchParams): string {
  const path = [name, ...segments].map(encodeURIComponent).join("/");
  const q = query?.toString() ?? "";
  return `#/${path}${q === "" ? "" : `?${q}`}`;
}
