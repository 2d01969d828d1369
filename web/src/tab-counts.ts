import type { TabCount } from "../../gen/ts/herald/v1/notification_service_pb.js";

/** One tab of `<herald-inbox tabs='[...]'>`: a filter of the inbox (ListRequest's Tab) and its label. */
export interface InboxTab {
  /** The tab's id for Herald (Tab.id): a lowercase letter or digit, then lowercase letters, digits, `_`, `.` or `-`. */
  id: string;
  /** The tab's text, such as "Mentions". */
  label: string;
  /** Only notifications of this category. */
  category?: string;
  /** Only notifications with at least one of these tags. */
  tags?: string[];
}

/** Herald counts at most this many tabs in one List (ListRequest.tabs). */
export const maxTabs = 10;
const idPattern = /^[a-z0-9][a-z0-9_.-]{0,31}$/;

/**
 * Reads the `tabs` attribute: a JSON array of InboxTab. Throws an Error naming
 * the offending field (`tabs[1].id: ...`), so a page author sees what to fix
 * before Herald would refuse the List call.
 */
export function parseTabs(json: string): InboxTab[] {
  if (json.trim() === "") return [];
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error("tabs: not JSON");
  }
  if (!Array.isArray(value)) throw new Error("tabs: must be a JSON array");
  if (value.length > maxTabs) throw new Error(`tabs: at most ${maxTabs} tabs`);
  const ids = new Set<string>();
  return value.map((raw: unknown, i): InboxTab => {
    const at = `tabs[${i}]`;
    if (typeof raw !== "object" || raw === null) throw new Error(`${at}: must be an object`);
    const { id, label, category, tags } = raw as Record<string, unknown>;
    if (typeof id !== "string" || !idPattern.test(id)) {
      throw new Error(`${at}.id: 1 to 32 characters, a lowercase letter or digit, then a-z, 0-9, _ . -`);
    }
    if (ids.has(id)) throw new Error(`${at}.id: "${id}" is used twice`);
    ids.add(id);
    if (typeof label !== "string" || label.trim() === "") throw new Error(`${at}.label: must be a non-empty string`);
    if (category !== undefined && typeof category !== "string") throw new Error(`${at}.category: must be a string`);
    if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === "string"))) {
      throw new Error(`${at}.tags: must be an array of strings`);
    }
    return { id, label, category: category || undefined, tags: tags?.length ? [...tags] : undefined };
  });
}

/** A tab as ListRequest.tabs takes it. */
export type TabRequest = Required<Omit<InboxTab, "label">>;

/**
 * An inbox's tabs: which one is selected (its filter is the list's), and
 * their counts, kept fresh by asking Herald again (a List of one notification
 * with `tabs`) shortly after anything that may change them. Events carry the
 * inbox's totals but not per-tab counts, and recounting on the server is
 * exact and cheap, where counting here would miss pages never loaded.
 */
export class InboxTabs {
  readonly list: readonly InboxTab[];
  /** The selected tab's id; "" without tabs. */
  active: string;
  readonly #fetch: (tabs: TabRequest[]) => Promise<TabCount[]>;
  readonly #onChange: () => void;
  readonly #delayMs: number;
  #counts = new Map<string, TabCount>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Numbers answers, so one that overtook an older call is not undone by it. */
  #asked = 0;
  #applied = 0;

  constructor(
    tabs: readonly InboxTab[],
    fetch: (tabs: TabRequest[]) => Promise<TabCount[]>,
    onChange: () => void,
    delayMs = 150,
  ) {
    this.list = tabs;
    this.active = tabs[0]?.id ?? "";
    this.#fetch = fetch;
    this.#onChange = onChange;
    this.#delayMs = delayMs;
  }

  /** Selects a tab; false if it is selected already or unknown. */
  select(id: string): boolean {
    if (id === this.active || !this.list.some((t) => t.id === id)) return false;
    this.active = id;
    return true;
  }

  /** List's filter for the selected tab (none without tabs). */
  filter(): { category: string; tags: string[] } {
    const tab = this.list.find((t) => t.id === this.active);
    return { category: tab?.category ?? "", tags: tab?.tags ?? [] };
  }

  /** The tabs as ListRequest.tabs takes them. */
  request(): TabRequest[] {
    return this.list.map(({ id, category, tags }) => ({ id, category: category ?? "", tags: tags ?? [] }));
  }

  /** The tab's unread count, or undefined before the first answer. */
  unread(id: string): number | undefined {
    return this.#counts.get(id)?.unreadCount;
  }

  /** Takes the counts a List answered with (the first page asks for them too). */
  set(counts: readonly TabCount[], asked = ++this.#asked): void {
    if (this.list.length === 0 || asked < this.#applied) return;
    this.#applied = asked;
    this.#counts = new Map(counts.map((c) => [c.id, c]));
    this.#onChange();
  }

  /** Asks again soon; several changes in a burst make one call. */
  refresh(): void {
    if (this.list.length === 0 || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const asked = ++this.#asked;
      this.#fetch(this.request()).then(
        (counts) => this.set(counts, asked),
        () => {}, // the list's own calls report failures; the next change asks again
      );
    }, this.#delayMs);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
