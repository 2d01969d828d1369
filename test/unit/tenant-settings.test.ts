import { describe, expect, it } from "vitest";
import {
  emptyTenantSettings,
  keepStoredSecrets,
  maskTenantSettings,
  type TenantSettings,
  tenantSettingsFromJson,
  validateTenantSettings,
} from "../../src/domain/tenant-settings.js";

const twilio = { accountSid: `AC${"a".repeat(32)}`, authToken: "tok", from: "+15551234567" };
const stored: TenantSettings = {
  ...emptyTenantSettings,
  providers: {
    smtp: { url: "smtp://mailer:s3cret@smtp.acme.example:587" },
    twilio,
  },
};
const withProviders = (providers: TenantSettings["providers"]): TenantSettings => ({
  ...emptyTenantSettings,
  providers,
});

describe("tenant settings", () => {
  it("masks secrets", () => {
    const masked = maskTenantSettings(stored);
    expect(masked.providers.smtp).toEqual({ url: "smtp://mailer@smtp.acme.example:587", hasPassword: true });
    expect(masked.providers.twilio).toEqual({
      accountSid: twilio.accountSid,
      from: "+15551234567",
      hasAuthToken: true,
    });
    expect(JSON.stringify(masked)).not.toMatch(/s3cret|tok"/);
  });

  it("keeps a stored secret only for the same account", () => {
    const same = keepStoredSecrets(
      withProviders({
        smtp: { url: "smtp://mailer@smtp.acme.example:587" },
        twilio: { ...twilio, authToken: "" },
      }),
      stored,
    );
    expect(same.providers.smtp?.url).toContain("s3cret");
    expect(same.providers.twilio?.authToken).toBe("tok");
    const moved = keepStoredSecrets(
      withProviders({
        smtp: { url: "smtp://mailer@smtp.elsewhere.example:587" },
        twilio: { accountSid: `AC${"b".repeat(32)}`, authToken: "", from: "+15551234567" },
      }),
      stored,
    );
    expect(moved.providers.smtp?.url).not.toContain("s3cret");
    expect(moved.providers.twilio?.authToken).toBe("");
    expect(() => validateTenantSettings(moved)).toThrow(/settings.providers.twilio.auth_token/);
  });

  it("reads what older rows hold ({}) as empty settings", () => {
    expect(tenantSettingsFromJson({})).toEqual(emptyTenantSettings);
    expect(() => validateTenantSettings(tenantSettingsFromJson({}))).not.toThrow();
  });
});
