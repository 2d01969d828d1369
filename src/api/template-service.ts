import type { ServiceImpl } from "@connectrpc/connect";
import type { TemplateService } from "../../gen/ts/herald/v1/template_service_pb.js";
import { channelFromPb } from "../contract/notification.js";
import { templateFromPb, templateToPb } from "../contract/template.js";
import type { JsonObject } from "../domain/notification.js";
import type { UseCases } from "../usecases/index.js";
import { principalOf } from "./principal-context.js";

/** herald.v1.TemplateService. */
export function templateService(uc: UseCases): ServiceImpl<typeof TemplateService> {
  return {
    async upsertTemplate(req, ctx) {
      // The contract requires `template`; protovalidate checked it.
      const template = templateFromPb(req.template as NonNullable<typeof req.template>);
      return { template: templateToPb(await uc.templates.upsert(principalOf(ctx), template)) };
    },
    async getTemplate(req, ctx) {
      const channel = channelFromPb(req.channel) ?? "";
      return { template: templateToPb(await uc.templates.get(principalOf(ctx), req.key, channel, req.locale)) };
    },
    async listTemplates(req, ctx) {
      return { templates: (await uc.templates.list(principalOf(ctx), req.key)).map(templateToPb) };
    },
    async previewTemplate(req, ctx) {
      // The contract requires `template`; protovalidate checked it.
      const template = templateFromPb(req.template as NonNullable<typeof req.template>);
      const data = (req.data ?? null) as JsonObject | null;
      return { parts: await uc.previewTemplate(principalOf(ctx), template, data) };
    },
    async deleteTemplate(req, ctx) {
      await uc.templates.delete(principalOf(ctx), req.key, channelFromPb(req.channel) ?? "", req.locale);
      return {};
    },
  };
}
