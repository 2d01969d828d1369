import { InvalidArgumentError } from "./errors.js";
import type { JsonObject, NotificationAction } from "./notification.js";

/** Most tags a notification carries, request's and template's together. */
export const maxTags = 10;
/** Most action buttons a notification carries. */
export const maxActions = 3;
/** Largest action payload, as JSON. */
export const maxActionPayloadBytes = 2 * 1024;

// The contract's rules (notification_service.proto SendRequest.tags, notification.proto Action),
// checked again here for what templates render, which protovalidate never sees.
const tagPattern = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const actionIdPattern = /^[a-z][a-z0-9_-]{0,31}$/;
const maxLabelChars = 40;
// SendRequest.action_url's rule: an absolute http(s) URL with a host and no user
// info, or a path with a single leading `/`; no spaces or control characters.
const urlPattern =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the rule is about control characters
  /^(?:https?:\/\/[^/\\?#@\s\x00-\x1f\x7f]+(?:[/?#][^\s\x00-\x1f\x7f]*)?|\/(?:[^/\\\s\x00-\x1f\x7f][^\s\x00-\x1f\x7f]*)?)$/;

/**
 * A notification's tags: the request's first, then the template's, without
 * repeats. More than {@link maxTags} in all fails naming `tags`.
 */
export function mergeTags(requested: readonly string[], fromTemplate: readonly string[]): string[] {
  const tags = [...new Set([...requested, ...fromTemplate])];
  if (tags.length > maxTags) {
    throw new InvalidArgumentError(
      "tags",
      `a notification has at most ${maxTags} tags; with its template's it would have ${tags.length}`,
    );
  }
  return tags;
}

/** Tags from a rendered template part (`billing, invoice`); `where` names the template in errors. */
export function tagsFromText(text: string, where: string): string[] {
  const tags = text
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
  for (const tag of tags) {
    if (!tagPattern.test(tag)) {
      throw new InvalidArgumentError(
        "tags",
        `${where} renders the tag ${JSON.stringify(tag.slice(0, 80))}; a tag is 1 to 64 lowercase letters, digits, "_", "." or "-", starting with a letter or digit`,
      );
    }
  }
  return tags;
}

/**
 * Actions from a rendered template part (a JSON array of Action objects), each
 * checked by the contract's rules; `where` names the template in errors.
 */
export function actionsFromJson(json: string, where: string): NotificationAction[] {
  if (json.trim() === "") return [];
  const fail = (path: string, reason: string): never => {
    throw new InvalidArgumentError("actions", `${where} renders ${path}, which ${reason}`);
  };
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed)) return fail("actions", "must be a JSON array");
  if (parsed.length > maxActions) fail("actions", `has ${parsed.length} actions; the limit is ${maxActions}`);
  const actions = parsed.map((item: unknown, i): NotificationAction => {
    const at = `actions[${i}]`;
    if (item === null || typeof item !== "object" || Array.isArray(item)) return fail(at, "must be an object");
    const { id, label, url = "", payload = null, ...rest } = item as Record<string, unknown>;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) fail(`${at}.${unknown}`, "is not a field of an action (id, label, url, payload)");
    if (typeof id !== "string" || !actionIdPattern.test(id)) {
      fail(`${at}.id`, 'must be 1 to 32 lowercase letters, digits, "_" or "-", starting with a letter');
    }
    if (typeof label !== "string" || label === "" || [...label].length > maxLabelChars) {
      fail(`${at}.label`, `must be 1 to ${maxLabelChars} characters`);
    }
    if (typeof url !== "string" || (url !== "" && (url.length > 2048 || !urlPattern.test(url)))) {
      fail(`${at}.url`, "must be an absolute http(s) URL with a host, or a path starting with a single /");
    }
    if (payload !== null && (typeof payload !== "object" || Array.isArray(payload))) {
      fail(`${at}.payload`, "must be a JSON object");
    }
    return { id: id as string, label: label as string, url: url as string, payload: payload as JsonObject | null };
  });
  checkActions(actions, "actions");
  return actions;
}

/** Rules protovalidate does not check: payload size (and, for templates, distinct ids). */
export function checkActions(actions: readonly NotificationAction[], field: string): void {
  const ids = new Set<string>();
  actions.forEach((a, i) => {
    if (ids.has(a.id)) throw new InvalidArgumentError(`${field}[${i}].id`, `"${a.id}" is used by an earlier action`);
    ids.add(a.id);
    if (a.payload !== null && Buffer.byteLength(JSON.stringify(a.payload)) > maxActionPayloadBytes) {
      throw new InvalidArgumentError(
        `${field}[${i}].payload`,
        `must be at most ${maxActionPayloadBytes} bytes as JSON`,
      );
    }
  });
}

/** Checks an action template (a JSON array of objects) when it is saved; returns what is wrong, or null. */
export function checkActionsTemplate(value: unknown): string | null {
  if (!Array.isArray(value)) return "must be a JSON array of actions";
  if (value.length > maxActions) return `has ${value.length} actions; the limit is ${maxActions}`;
  const bad = value.findIndex((a) => a === null || typeof a !== "object" || Array.isArray(a));
  return bad === -1 ? null : `[${bad}] must be an object {"id", "label", "url", "payload"}`;
}

/**
 * A notification's tags and actions once its in-app template is rendered:
 * the template's tags merged after the request's, and the template's actions
 * unless the request gave some. `content` is the rendered in-app content.
 */
export function withTemplateExtras(
  current: { tags: string[]; actions: NotificationAction[] },
  content: Readonly<Record<string, string>>,
  templateKey: string,
): { tags: string[]; actions: NotificationAction[] } {
  const where = (part: string) => `template "${templateKey}" (in_app ${part})`;
  const tags =
    content.tags === undefined ? current.tags : mergeTags(current.tags, tagsFromText(content.tags, where("tags")));
  const actions =
    current.actions.length > 0 || content.actions === undefined
      ? current.actions
      : actionsFromJson(content.actions, where("actions"));
  return { tags, actions };
}
