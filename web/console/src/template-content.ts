/**
 * Between a template's parts as the editor holds them (part name -> source)
 * and the Template message's `content` oneof. Pure, so unit tests run it.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Template, TemplateSchema } from "../../../gen/ts/herald/v1/template_service_pb.js";
import { channelParts, isTypedChannel, type PartSpec, type TemplateChannel } from "./forms.js";

type ContentInit = NonNullable<MessageInitShape<typeof TemplateSchema>["content"]>;

/** A stored template's parts by name, whatever kind its content is. */
export function partsOfTemplate(template: Pick<Template, "content">): Record<string, string> {
  const c = template.content;
  switch (c.case) {
    case "email":
      return { subject: c.value.subject, html: c.value.html, text: c.value.text };
    case "inApp":
      return { title: c.value.title, body: c.value.body };
    case "sms":
      return { text: c.value.text };
    case "push":
      return { title: c.value.title, body: c.value.body };
    case "parts":
      return { ...c.value.parts };
    default:
      return {};
  }
}

/**
 * The `content` of a Template for `channel` from the editor's parts. Channels
 * without a message of their own take a map, which leaves out empty parts:
 * an optional part (Slack's blocks) is absent rather than empty, and a
 * required one left empty is then named by the server as required.
 */
export function templateContent(channel: TemplateChannel, parts: Record<string, string>): ContentInit {
  const get = (name: string) => parts[name] ?? "";
  switch (channel) {
    case "email":
      return { case: "email", value: { subject: get("subject"), html: get("html"), text: get("text") } };
    case "in_app":
      return { case: "inApp", value: { title: get("title"), body: get("body") } };
    case "sms":
      return { case: "sms", value: { text: get("text") } };
    case "push":
      return { case: "push", value: { title: get("title"), body: get("body") } };
    default:
      return { case: "parts", value: { parts: Object.fromEntries(Object.entries(parts).filter(([, v]) => v !== "")) } };
  }
}

/**
 * The parts the editor shows for `channel`: the channel's known parts, then
 * any other part a stored template of a map channel has (a server may know
 * parts this console does not).
 */
export function editorParts(channel: TemplateChannel, stored: Record<string, string>): PartSpec[] {
  const known = channelParts[channel];
  if (isTypedChannel(channel)) return known;
  const extra = Object.keys(stored)
    .filter((name) => !known.some((p) => p.name === name))
    .sort()
    .map((name) => ({ name, label: name, optional: true, long: true }));
  return [...known, ...extra];
}
