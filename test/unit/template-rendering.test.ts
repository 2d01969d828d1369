import Handlebars from "handlebars";
import { describe, expect, it } from "vitest";
import { compilePart, TemplateSyntaxError } from "../../src/templates/handlebars-compiler.js";
import { RenderBudget, RenderLimitError } from "../../src/templates/render-budget.js";

const roomy = { maxMs: 10_000, maxIterations: 100_000, maxDataChars: 10_000_000 };
const render = (source: string, data: object, limits = roomy, maxChars = 1_000_000) =>
  compilePart(source, false, 2_000)(data, new RenderBudget(limits), maxChars);

const stock = Handlebars.create();
const stockRender = (source: string, data: object) =>
  stock.compile(source, { strict: true, knownHelpersOnly: true, noEscape: true })(data);

const data = {
  items: [{ name: "a" }, { name: "b" }, { name: "c" }],
  tags: { red: 1, blue: 2 },
  empty: [],
  none: {},
  words: ["x", "y"],
  title: "T",
};

describe("Herald's each", () => {
  it.each([
    "{{#each items}}{{@index}}:{{name}}{{#if @first}}(first){{/if}}{{#if @last}}(last){{/if}};{{/each}}",
    "{{#each tags}}{{@key}}={{this}}@{{@index}}{{#if @last}}.{{/if}} {{/each}}",
    "{{#each empty}}x{{else}}nothing{{/each}}|{{#each none}}x{{else}}no keys{{/each}}",
    "{{#each items as |item i|}}{{i}}{{item.name}}{{../title}}{{@root.title}}{{/each}}",
    "{{#each items}}{{#each @root.words}}{{../name}}{{this}}{{/each}}{{/each}}",
    "{{#items}}{{name}}{{/items}}|{{#words}}{{this}}{{/words}}",
    "{{#each words}}{{lookup @root.tags 'red'}}{{this}}{{/each}}",
    "{{#with tags}}{{#each this}}{{@key}}{{/each}}{{/with}}",
  ])("renders %s as the built-in each does", (source) => {
    expect(render(source, data)).toBe(stockRender(source, data));
  });

  it("counts iterations, also through {{#list}} sections", () => {
    const limits = { ...roomy, maxIterations: 5 };
    expect(render("{{#each words}}{{this}}{{/each}}", data, limits)).toBe("xy");
    expect(() => render("{{#items}}{{name}}{{/items}}{{#items}}{{name}}{{/items}}", data, limits)).toThrow(
      RenderLimitError,
    );
  });

  it("stops a loop whose output is past twice the part's limit", () => {
    const source = "{{#each words}}{{@root.title}}{{/each}}";
    expect(render(source, { words: [1, 2, 3, 4], title: "12345" }, roomy, 10)).toBe("12345".repeat(4));
    expect(() => render(source, { words: [1, 2, 3, 4, 5], title: "12345" }, roomy, 10)).toThrow(
      "renders more than 10 characters; the limit is 10",
    );
  });

  it("charges every read of a string to the data budget, and only strings", () => {
    const limits = { ...roomy, maxDataChars: 10 };
    expect(render("{{n}} {{n}} {{n}} {{s}}{{s}}", { n: 123456789, s: "12345" }, limits)).toBe(
      "123456789 123456789 123456789 1234512345",
    );
    expect(() => render("{{s}}{{s}}{{s}}", { s: "12345" }, limits)).toThrow(
      "exceeds the render budget of 10 characters of data read per Send",
    );
  });

  it("shares one budget across the parts of a Send", () => {
    const budget = new RenderBudget({ ...roomy, maxIterations: 3 });
    const part = compilePart("{{#each words}}{{this}}{{/each}}", false, 2_000);
    expect(part(data, budget, 100)).toBe("xy");
    expect(() => part(data, budget, 100)).toThrow(RenderLimitError);
  });

  it("leaves data unchanged and does not let templates change it", () => {
    const input = { items: [{ name: "a" }] };
    render("{{#each items}}{{name}}{{/each}}", input);
    expect(input).toEqual({ items: [{ name: "a" }] });
  });
});

describe("compilePart", () => {
  it.each([
    ["{{> footer}}", /^partials/],
    ["{{#> layout}}x{{/layout}}", /^partial blocks/],
    ['{{#*inline "p"}}x{{/inline}}', /^inline partials/],
    ["{{* decorator}}", /^decorators/],
    ["{{log 'hi'}}", /^the log helper/],
    ["{{#if (log 'hi')}}x{{/if}}", /^the log helper/],
    ["{{custom x}}", /custom/],
  ])("refuses %s", (source, message) => {
    expect(() => compilePart(source, false, 2_000)).toThrow(TemplateSyntaxError);
    expect(() => compilePart(source, false, 2_000)).toThrow(message);
  });

  it("refuses more expressions than allowed, counting mustaches, blocks and sub-expressions", () => {
    expect(compilePart("{{#if a}}{{b}}{{/if}}{{lookup c (lookup d 'e')}}", false, 4)).toBeTypeOf("function");
    expect(() => compilePart("{{#if a}}{{b}}{{/if}}{{lookup c (lookup d 'e')}}{{f}}", false, 4)).toThrow(
      "has more than 4 expressions ({{ }}, blocks); the limit is 4",
    );
  });
});
