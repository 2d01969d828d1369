import type { PartSpec } from "../domain/channel.js";
import {
  type CompiledPart,
  type CompileExtras,
  compilePart,
  MissingVariableError,
  TemplateSyntaxError,
} from "./handlebars-compiler.js";

/**
 * Compiles one template part as its channel's content spec says: HTML parts
 * escape variables, parts with `escapeData` escape what data inserts, and JSON
 * parts are JSON whose strings are templates. Throws TemplateSyntaxError for a
 * part that does not compile or breaks its spec's rules.
 */
export function compileContentPart(source: string, spec: PartSpec | undefined, maxExpressions: number): CompiledPart {
  const extras: CompileExtras = { expressions: { count: 0 } };
  if (spec?.escapeData !== undefined) extras.escapeData = spec.escapeData;
  if (spec?.json === undefined) return compilePart(source, spec?.html === true, maxExpressions, extras);
  return compileJsonPart(source, spec.json.check, maxExpressions, extras);
}

/** A JSON value whose strings may be compiled templates. */
type JsonTemplate =
  | { kind: "literal"; value: unknown }
  | { kind: "string"; render: CompiledPart }
  | { kind: "array"; items: JsonTemplate[] }
  | { kind: "object"; entries: [string, JsonTemplate][] };

/**
 * A JSON part: parsed once, each string with `{{` compiled as a text template
 * of its own (sharing the part's expression limit), keys and everything else
 * kept as written. Rendering rebuilds the value and serialises it, so data
 * can change what strings say but never the JSON around them: a quote or
 * backslash in data is escaped by JSON.stringify, and a block opened in one
 * string cannot close in another (each string must compile alone). An empty
 * source renders empty (the part is left out).
 */
function compileJsonPart(
  source: string,
  check: ((value: unknown) => string | null) | undefined,
  maxExpressions: number,
  extras: CompileExtras,
): CompiledPart {
  if (source.trim() === "") return () => "";
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch (error) {
    throw new TemplateSyntaxError(`is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const problem = check?.(parsed) ?? null;
  if (problem !== null) throw new TemplateSyntaxError(problem);
  const template = toTemplate(parsed, (text, where) => {
    let part: CompiledPart;
    try {
      part = compilePart(text, false, maxExpressions, extras);
    } catch (error) {
      if (!(error instanceof TemplateSyntaxError)) throw error;
      throw new TemplateSyntaxError(`${where}: ${error.message}`, { cause: error });
    }
    // Says which string lacks a variable: line and column alone are the string's own.
    return (data, budget, maxChars) => {
      try {
        return part(data, budget, maxChars);
      } catch (error) {
        if (!(error instanceof MissingVariableError)) throw error;
        throw new MissingVariableError(error.variable, ` in ${where}${error.where}`, { cause: error });
      }
    };
  });
  return (data, budget, maxChars) => JSON.stringify(render(template, data, budget, maxChars));
}

function toTemplate(value: unknown, compile: (text: string, where: string) => CompiledPart, path = "$"): JsonTemplate {
  if (typeof value === "string") {
    return value.includes("{{") ? { kind: "string", render: compile(value, path) } : { kind: "literal", value };
  }
  if (Array.isArray(value)) {
    return { kind: "array", items: value.map((item, i) => toTemplate(item, compile, `${path}[${i}]`)) };
  }
  if (value !== null && typeof value === "object") {
    return {
      kind: "object",
      entries: Object.entries(value).map(([k, v]) => [k, toTemplate(v, compile, `${path}.${k}`)]),
    };
  }
  return { kind: "literal", value };
}

function render(t: JsonTemplate, data: object, budget: Parameters<CompiledPart>[1], maxChars: number): unknown {
  switch (t.kind) {
    case "literal":
      return t.value;
    case "string":
      return t.render(data, budget, maxChars);
    case "array":
      return t.items.map((item) => render(item, data, budget, maxChars));
    case "object":
      // fromEntries defines own properties, so a "__proto__" key stays a key.
      return Object.fromEntries(t.entries.map(([k, v]) => [k, render(v, data, budget, maxChars)]));
  }
}
