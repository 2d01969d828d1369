import { describe, expect, it } from "vitest";
import type { PartSpec } from "../../src/domain/channel.js";
import { compileContentPart } from "../../src/templates/content-part.js";
import { MissingVariableError, TemplateSyntaxError } from "../../src/templates/handlebars-compiler.js";
import { RenderBudget, RenderLimitError } from "../../src/templates/render-budget.js";

const roomy = { maxMs: 10_000, maxIterations: 100_000, maxDataChars: 10_000_000 };
const render = (source: string, spec: PartSpec, data: object, maxChars = 1_000_000, limits = roomy) =>
  compileContentPart(source, spec, 2_000)(data, new RenderBudget(limits), maxChars);

const json: PartSpec = { maxChars: 100_000, json: {} };
const arrayOnly: PartSpec = {
  maxChars: 100_000,
  json: { check: (v) => (Array.isArray(v) ? null : "must be a JSON array") },
};

describe("JSON parts", () => {
  it("fill variables inside strings, JSON-escaped, and keep the shape", () => {
    const source = JSON.stringify([
      { type: "section", text: { type: "mrkdwn", text: "Hi {{name}}, {{#each items}}{{this}};{{/each}}" } },
      { type: "divider", n: 3, ok: true, none: null },
    ]);
    const nasty = 'a"}]},{"type":"injected\\\n\u2028</script>';
    const out = render(source, json, { name: nasty, items: ["x", '"y"'] });
    const parsed = JSON.parse(out);
    expect(parsed).toEqual([
      { type: "section", text: { type: "mrkdwn", text: `Hi ${nasty}, x;"y";` } },
      { type: "divider", n: 3, ok: true, none: null },
    ]);
  });

  it("keep keys as written, __proto__ included, and never render them", () => {
    const out = render('{"{{k}}": "v", "__proto__": {"x": "{{k}}"}}', json, { k: "K" });
    const parsed = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(["{{k}}", "__proto__"]);
    expect(Object.getOwnPropertyDescriptor(parsed, "__proto__")?.value).toEqual({ x: "K" });
  });

  it("refuse a template that is not JSON, or that the spec's check refuses", () => {
    expect(() => compileContentPart('[{"type": {{x}}}]', json, 2_000)).toThrow(TemplateSyntaxError);
    expect(() => compileContentPart('[{"type": {{x}}}]', json, 2_000)).toThrow(/is not JSON/);
    expect(() => compileContentPart('{"type": "section"}', arrayOnly, 2_000)).toThrow("must be a JSON array");
  });

  it("refuse a block opened in one string and closed in another, naming where", () => {
    expect(() => compileContentPart('["{{#if a}}", "{{/if}}"]', json, 2_000)).toThrow(/\$\[0\]/);
  });

  it("count expressions over the whole part", () => {
    const source = JSON.stringify(["{{a}}{{b}}", "{{c}}{{d}}", "{{e}}"]);
    expect(() => compileContentPart(source, json, 5)).not.toThrow();
    expect(() => compileContentPart(source, json, 4)).toThrow(/more than 4 expressions/);
  });

  it("name the string that uses a missing variable", () => {
    const part = compileContentPart('[{"text": "ok"}, {"text": "{{missing}}"}]', json, 2_000);
    let error: unknown;
    try {
      part({}, new RenderBudget(roomy), 1_000);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingVariableError);
    expect((error as Error).message).toContain('"missing" in $[1].text');
  });

  it("render an empty source as empty (the part is left out)", () => {
    expect(render("", json, {})).toBe("");
    expect(render("  ", arrayOnly, {})).toBe("");
  });

  it("stay within the render budget", () => {
    const part = compileContentPart('["{{#each xs}}{{#each ../xs}}{{this}}{{/each}}{{/each}}"]', json, 2_000);
    const xs = Array.from({ length: 200 }, (_, i) => String(i));
    expect(() => part({ xs }, new RenderBudget({ ...roomy, maxIterations: 1_000 }), 1_000_000)).toThrow(
      RenderLimitError,
    );
  });
});

describe("escaped data", () => {
  const mrkdwn = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
  const spec: PartSpec = { maxChars: 1_000, escapeData: mrkdwn };

  it("escapes what variables insert, at any depth and in loops, but not the template's own text", () => {
    const out = render("<{{url}}|{{label}}> {{#each people}}{{name}},{{/each}} {{deep.x}}", spec, {
      url: "https://example.com",
      label: "<!channel> & co",
      people: [{ name: "<@U1>" }],
      deep: { x: "a>b" },
    });
    expect(out).toBe("<https://example.com|&lt;!channel&gt; &amp; co> &lt;@U1&gt;, a&gt;b");
  });

  it("applies inside JSON strings too, before JSON escaping", () => {
    const out = render('[{"text": "{{v}}"}]', { ...json, escapeData: mrkdwn }, { v: '<!here> "q"' });
    expect(JSON.parse(out)).toEqual([{ text: '&lt;!here&gt; "q"' }]);
  });

  it("keeps conditions on data working", () => {
    expect(render("{{#if flag}}yes{{else}}no{{/if}}{{#if empty}}!{{/if}}", spec, { flag: "<", empty: "" })).toBe("yes");
  });
});
