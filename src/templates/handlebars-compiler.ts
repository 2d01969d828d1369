import Handlebars from "handlebars";

/** A template part did not compile, or uses something Herald does not allow. */
export class TemplateSyntaxError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TemplateSyntaxError";
  }
}

/** Rendering needed a variable the data does not have. */
export class MissingVariableError extends Error {
  constructor(
    readonly variable: string,
    readonly where: string,
    options?: ErrorOptions,
  ) {
    super(`uses "${variable}"${where}, which data does not provide`, options);
    this.name = "MissingVariableError";
  }
}

export type CompiledPart = (data: unknown) => string;

// An environment of Herald's own: no helpers registered anywhere else leak in.
const handlebars = Handlebars.create();

/**
 * Compiles one part of a template. Strict: a variable missing from the data
 * fails rendering instead of rendering blank. Only the built-in helpers (if,
 * each, with, unless, lookup) are allowed. HTML parts escape every variable and
 * refuse `{{{ }}}`, since data often carries text users wrote; other parts
 * (subjects, plain text, SMS, push) are not HTML and are not escaped.
 */
export function compilePart(source: string, html: boolean): CompiledPart {
  let ast: hbs.AST.Program;
  try {
    ast = handlebars.parse(source);
  } catch (error) {
    throw new TemplateSyntaxError((error as Error).message.split("\n")[0] ?? "does not parse", { cause: error });
  }
  if (html) refuseUnescaped(ast);
  const template = handlebars.compile(ast, { strict: true, knownHelpersOnly: true, noEscape: !html });
  try {
    // Compilation is lazy; a first run with no data surfaces unknown helpers now.
    template({});
  } catch (error) {
    if (!/not defined in/.test((error as Error).message)) {
      throw new TemplateSyntaxError((error as Error).message, { cause: error });
    }
  }
  return (data) => {
    try {
      return template(data);
    } catch (error) {
      const match = /"([^"]+)" not defined in .*? - (\d+):(\d+)/.exec((error as Error).message);
      if (match) {
        throw new MissingVariableError(match[1] as string, ` (line ${match[2]}, column ${Number(match[3]) + 1})`, {
          cause: error,
        });
      }
      const simple = /"([^"]+)" not defined/.exec((error as Error).message);
      if (simple) throw new MissingVariableError(simple[1] as string, "", { cause: error });
      throw error;
    }
  };
}

function refuseUnescaped(node: unknown): void {
  if (node === null || typeof node !== "object") return;
  const n = node as { type?: string; escaped?: boolean; loc?: { start: { line: number; column: number } } };
  if ((n.type === "MustacheStatement" || n.type === "TripleStash") && n.escaped === false) {
    const at = n.loc ? ` (line ${n.loc.start.line}, column ${n.loc.start.column + 1})` : "";
    throw new TemplateSyntaxError(`{{{ }}} would put data into the HTML unescaped${at}; use {{ }}`);
  }
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) for (const child of value) refuseUnescaped(child);
    else if (value !== null && typeof value === "object") refuseUnescaped(value);
  }
}
