import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Template as TemplatePb, TemplateSchema } from "../../gen/ts/herald/v1/template_service_pb.js";
import type { Template, TemplatedChannel } from "../domain/content.js";
import { InvalidArgumentError } from "../domain/errors.js";
import { normalizeLocale } from "../templates/locale.js";
import { channelFromPb, channelToPb } from "./notification.js";

const contentCase: Record<TemplatedChannel, "email" | "inApp" | "sms" | "push"> = {
  email: "email",
  in_app: "inApp",
  sms: "sms",
  push: "push",
};

/** A template from a request; its content's kind must match its channel. */
export function templateFromPb(pb: TemplatePb): Template {
  const channel = channelFromPb(pb.channel) as TemplatedChannel;
  if (pb.content.case !== contentCase[channel]) {
    throw new InvalidArgumentError("template.content", `must be ${contentCase[channel]} for channel ${channel}`);
  }
  const { $typeName: _, ...content } = pb.content.value;
  return { key: pb.key, channel, locale: normalizeLocale(pb.locale), content, updatedAt: null } as Template;
}

export function templateToPb(t: Template): TemplatePb {
  return create(TemplateSchema, {
    key: t.key,
    channel: channelToPb(t.channel),
    locale: t.locale,
    content: { case: contentCase[t.channel], value: t.content } as TemplatePb["content"],
    updateTime: t.updatedAt === null ? undefined : timestampFromDate(t.updatedAt),
  });
}
