import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { ChannelSettingsSchema } from "../../gen/ts/herald/v1/preferences_pb.js";
import { TemplateSchema } from "../../gen/ts/herald/v1/template_service_pb.js";
import {
  channelFromName,
  channelSetting,
  channelToName,
  hasRecipientRecord,
  maskEmail,
  maskPhone,
  maskSecret,
  parseJsonObject,
  partFromError,
  templateHash,
  workflowJson,
} from "../../web/console/src/forms.js";
import { editorParts, partsOfTemplate, templateContent } from "../../web/console/src/template-content.js";

describe("masking contact data in the console", () => {
  it("keeps an email's first character and domain, hiding the local part's length", () => {
    expect(maskEmail("alice@example.com")).toBe("a•••@example.com");
    expect(maskEmail("a.very.long.name@example.com")).toBe("a•••@example.com");
    expect(maskEmail("")).toBe("");
    // Not an address: nothing of it shows but, when long, its end.
    expect(maskEmail("nobody")).toBe("••••••");
  });

  it("keeps a phone number's country prefix and last four digits", () => {
    expect(maskPhone("+14155550123")).toBe("+1•••••0123");
    expect(maskPhone("+4369912345678")).toBe("+4•••••5678");
    expect(maskPhone("+123")).toBe("••••");
    expect(maskPhone("")).toBe("");
  });

  it("shows only the last four characters of a long token, and nothing of a short one", () => {
    expect(maskSecret("fcm-token-abcdefgh-1234")).toBe("•••••1234");
    expect(maskSecret("U024BE7L")).toBe("••••••••");
    expect(maskSecret("")).toBe("");
  });
});

describe("the template part an error names", () => {
  it("reads a typed channel's field path, for that channel only", () => {
    const message = "template.email.html: Parse error on line 1: {{#if}";
    expect(partFromError(message, "email")).toBe("html");
    expect(partFromError("template.in_app.title: value length must be at least 1 characters", "in_app")).toBe("title");
    expect(partFromError(message, "sms")).toBeNull();
  });

  it("reads a map channel's part key", () => {
    const message = 'template.parts.parts["blocks"]: must be a JSON array of blocks';
    expect(partFromError(message, "slack")).toBe("blocks");
    expect(partFromError(message, "email")).toBeNull();
  });

  it("reads the worded form of render errors (template, channel part, locale)", () => {
    const limit = 'data: template "digest" (in_app title, en) renders 305 characters; the limit is 200';
    expect(partFromError(limit, "in_app")).toBe("title");
    expect(partFromError(limit, "email")).toBeNull();
    const missing =
      'data: template "order-shipped" (email subject, de-AT) uses "order" (line 1, column 26), which data does not provide';
    expect(partFromError(missing, "email")).toBe("subject");
  });

  it("finds none in a message about something else", () => {
    expect(partFromError("template.key: does not match regex pattern", "email")).toBeNull();
    expect(partFromError("Not allowed: API key lacks the admin scope", "email")).toBeNull();
  });
});

describe("sample data typed as JSON", () => {
  it("takes an object, or empty text as {}", () => {
    expect(parseJsonObject('{"name": "Ada"}')).toEqual({ value: { name: "Ada" } });
    expect(parseJsonObject("  ")).toEqual({ value: {} });
  });

  it("names the problem of bad JSON or a value that is not an object", () => {
    const bad = parseJsonObject('{"name": }');
    expect("error" in bad && bad.error).toMatch(/^not valid JSON: /);
    expect(parseJsonObject("[1]")).toEqual({ error: expect.stringMatching(/must be a JSON object/) });
    expect(parseJsonObject("null")).toEqual({ error: expect.stringMatching(/must be a JSON object/) });
  });
});

describe("template content between the editor and the Template message", () => {
  it("builds each channel's oneof case from the parts, and reads it back", () => {
    const email = create(TemplateSchema, {
      key: "k",
      channel: Channel.EMAIL,
      locale: "en",
      content: templateContent("email", { subject: "S {{x}}", html: "<p>{{x}}</p>", text: "T" }),
    });
    expect(email.content.case).toBe("email");
    expect(partsOfTemplate(email)).toEqual({ subject: "S {{x}}", html: "<p>{{x}}</p>", text: "T" });
    const inApp = create(TemplateSchema, { content: templateContent("in_app", { title: "a", body: "b" }) });
    expect(inApp.content.case).toBe("inApp");
    expect(partsOfTemplate(inApp)).toEqual({ title: "a", body: "b" });
  });

  it("leaves empty parts out of a map channel's content, so an optional part is absent", () => {
    const slack = templateContent("slack", { text: "hi", blocks: "" });
    expect(slack).toEqual({ case: "parts", value: { parts: { text: "hi" } } });
  });

  it("lists a channel's parts, plus parts a stored map template has that the console does not know", () => {
    expect(editorParts("email", {}).map((p) => p.name)).toEqual(["subject", "html", "text"]);
    expect(editorParts("slack", { text: "", zeta: "" }).map((p) => p.name)).toEqual(["text", "blocks", "zeta"]);
  });
});

describe("names and addresses", () => {
  it("maps route channel names to the Channel enum and back", () => {
    expect(channelFromName("in_app")).toBe(Channel.IN_APP);
    expect(channelFromName("webhook")).toBeUndefined();
    expect(channelToName(Channel.IN_APP)).toBe("in_app");
    expect(channelToName(Channel.TEAMS)).toBe("teams");
    expect(channelFromName("webpush")).toBe(Channel.WEBPUSH);
    expect(channelToName(Channel.WEBPUSH)).toBe("webpush");
    expect(editorParts("webpush", {}).map((p) => p.name)).toEqual(["title", "body"]);
  });

  it("encodes each segment of a template's address", () => {
    expect(templateHash("order.shipped", "email", "de-AT")).toBe("#/templates/order.shipped/email/de-AT");
    expect(templateHash("a/b", "email", "en")).toBe("#/templates/a%2Fb/email/en");
  });

  it("reads a channel's preference from its field or the channels map, undefined when inherited", () => {
    const s = create(ChannelSettingsSchema, { email: false, channels: { slack: true } });
    expect(channelSetting(s, "email")).toBe(false);
    expect(channelSetting(s, "slack")).toBe(true);
    expect(channelSetting(s, "sms")).toBeUndefined();
    expect(channelSetting(undefined, "email")).toBeUndefined();
  });

  it("tells GetRecipient's empty answer for an unknown user from a recipient", () => {
    expect(hasRecipientRecord({ devices: [] })).toBe(false);
    expect(hasRecipientRecord({ devices: [{}] })).toBe(true);
    expect(hasRecipientRecord({ updateTime: { seconds: 1n }, devices: [] })).toBe(true);
  });

  it("drops a workflow's output-only fields from the JSON to edit", () => {
    const text = workflowJson({ key: "w", version: 3, updateTime: "2026-01-01T00:00:00Z", steps: [] });
    expect(JSON.parse(text)).toEqual({ key: "w", steps: [] });
    expect(text).toContain("\n  "); // pretty, for people
  });
});
