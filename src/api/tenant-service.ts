import type { ServiceImpl } from "@connectrpc/connect";
import type { TenantService } from "../../gen/ts/herald/v1/tenant_service_pb.js";
import { tenantApiKeyToPb, tenantSettingsFromPb, tenantToPb } from "../contract/tenant.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { UseCases } from "../usecases/index.js";
import { principalOf } from "./principal-context.js";

const maskPaths = new Set(["name", "settings"]);

/** herald.v1.TenantService: for keys with the `super_admin` scope (checked by the use case). */
export function tenantService(uc: UseCases): ServiceImpl<typeof TenantService> {
  return {
    async createTenant(req, ctx) {
      const tenant = await uc.tenants.create(principalOf(ctx), {
        id: req.id,
        name: req.name,
        settings: req.settings === undefined ? null : tenantSettingsFromPb(req.settings),
      });
      return { tenant: tenantToPb(tenant) };
    },
    async getTenant(req, ctx) {
      return { tenant: tenantToPb(await uc.tenants.get(principalOf(ctx), req.id)) };
    },
    async listTenants(req, ctx) {
      const page = await uc.tenants.list(principalOf(ctx), { size: req.pageSize, token: req.pageToken });
      return { tenants: page.tenants.map(tenantToPb), nextPageToken: page.nextPageToken };
    },
    async updateTenant(req, ctx) {
      const paths = req.updateMask?.paths ?? [];
      const unknown = paths.find((p) => !maskPaths.has(p));
      if (unknown !== undefined) {
        throw new InvalidArgumentError(
          "update_mask",
          `"${unknown}" is not a field UpdateTenant changes (name, settings)`,
        );
      }
      const tenant = await uc.tenants.update(principalOf(ctx), req.id, {
        ...(paths.includes("name") && { name: req.name }),
        ...(paths.includes("settings") && {
          settings: req.settings === undefined ? null : tenantSettingsFromPb(req.settings),
        }),
      });
      return { tenant: tenantToPb(tenant) };
    },
    async deleteTenant(req, ctx) {
      await uc.tenants.delete(principalOf(ctx), req.id);
      return {};
    },
    async createTenantApiKey(req, ctx) {
      const { key, record } = await uc.tenants.createKey(principalOf(ctx), req.tenantId, req.name, req.scopes);
      return { key, apiKey: tenantApiKeyToPb(record) };
    },
    async listTenantApiKeys(req, ctx) {
      return { apiKeys: (await uc.tenants.listKeys(principalOf(ctx), req.tenantId)).map(tenantApiKeyToPb) };
    },
    async revokeTenantApiKey(req, ctx) {
      await uc.tenants.revokeKey(principalOf(ctx), req.tenantId, req.keyId);
      return {};
    },
  };
}
