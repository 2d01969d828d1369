import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Template as TemplatePb, TemplateSchema } from "../../gen/ts/herald/v1/template_service_pb.js";
import type { Channel } from "../domain/channel.js";
import type { Template } from "../domain/content.js";
import { InvalidArgumentError } from "../domain/errors.js";
import { normalizeLocale } from "../templates/locale.js";
import { channelFromPb, channelToPb } from "./notification.js";

// The channels whose template has a message of its own in the contract; the
// others' parts travel in `parts` (ChannelParts), by name.
type Typed = "email" | "inApp" | "sms" | "push";
const typedCases: Partial<Record<Channel, Typed>> = { email: "email", in_app: "inApp", sms: "sms", push: "push" };

/** A template from a request; its content's kind must match its channel. */
export function templateFromPb(pb: TemplatePb): Template {
  const channel = channelFromPb(pb.channel) as Channel;
  const expected = typedCases[channel] ?? "parts";
  if (pb.content.case !== expected) {
    throw new InvalidArgumentError("template.content", `must be ${expected} for channel ${channel}`);
  }
  const content =
    pb.content.case === "parts"
      ? { ...pb.content.value.parts }
      : (({ $typeName: _, $unknown: __, ...parts }) => parts)(
          pb.content.value as { $typeName: string; $unknown?: unknown },
        );
  // In-app tags and actions are optional: left out when empty, so templates
  // without them are stored as before they existed.
  if (pb.content.case === "inApp") {
    const parts = content as Record<string, string>;
    for (const part of ["tags", "actions"]) if (parts[part] === "") delete parts[part];
  }
  return {
    key: pb.key,
    channel,
    locale: normalizeLocale(pb.locale),
    content: content as Record<string, string>,
    updatedAt: null,
  };
}

export function templateToPb(t: Template): TemplatePb {
  const typed = typedCases[t.channel];
  return create(TemplateSchema, {
    key: t.key,
    channel: channelToPb(t.channel),
    locale: t.locale,
    content: (typed === undefined
      ? { case: "parts", value: { parts: t.content } }
      : { case: typed, value: t.content }) as TemplatePb["content"],
    updateTime: t.updatedAt === null ? undefined : timestampFromDate(t.updatedAt),
  });
}
