import Handlebars from "handlebars";
import { budgetedData } from "./budgeted-data.js";
import { budgetedEach } from "./budgeted-each.js";
import { RenderBudget } from "./render-budget.js";

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

/**
 * Renders a compiled part: `data` is the Send's data, `budget` the Send's
 * render budget and `maxChars` the part's rendered-size limit, which loops
 * check as they go.
 */
export type CompiledPart = (data: object, budget: RenderBudget, maxChars: number) => string;

/** What a part's content spec adds to compiling it (domain/channel.ts, PartSpec). */
export interface CompileExtras {
  /** Applied to every string a variable reads from data (see PartSpec.escapeData). */
  escapeData?: (value: string) => string;
  /**
   * Expressions counted so far, shared by the pieces of one part (each string
   * of a JSON part is compiled on its own), so the limit holds for the part.
   */
  expressions?: { count: number };
}

// An environment of Herald's own: no helpers registered anywhere else leak in,
// and its `each` is the budgeted one (also reached by `{{#list}}...{{/list}}`,
// which Handlebars runs through the environment's `each`).
const handlebars = Handlebars.create();
handlebars.registerHelper("each", budgetedEach);

// For the trial run at compile time, with empty data.
const trialLimits = { maxMs: 1_000, maxIterations: 1_000, maxDataChars: 1_000_000 };

/**
 * Compiles one part of a template. Strict: a variable missing from the data
 * fails rendering instead of rendering blank. Only the built-in helpers (if,
 * each, with, unless, lookup) are allowed; partials, inline partials and
 * decorators are refused (Herald has no use for them, and a partial can
 * recurse as deep as data lets it). At most `maxExpressions` expressions
 * (`{{ }}`, blocks, sub-expressions): compiling takes about 40 µs per
 * expression and blocks the event loop, at upsert and again at the first Send
 * in each process. HTML parts escape every variable and refuse `{{{ }}}`,
 * since data often carries text users wrote; other parts (subjects, plain
 * text, SMS, push) are not HTML and are not escaped.
 */
export function compilePart(
  source: string,
  html: boolean,
  maxExpressions: number,
  extras: CompileExtras = {},
): CompiledPart {
  let ast: hbs.AST.Program;
  try {
    ast = handlebars.parse(source);
  } catch (error) {
    throw new TemplateSyntaxError((error as Error).message.split("\n")[0] ?? "does not parse", { cause: error });
  }
  const counted = extras.expressions ?? { count: 0 };
  const walk = { html, maxExpressions, expressions: counted.count };
  refuseUnsupported(ast, walk);
  counted.count = walk.expressions;
  const escapeData = extras.escapeData;
  const template = handlebars.compile(ast, { strict: true, knownHelpersOnly: true, noEscape: !html });
  try {
    // Compilation is lazy; a first run with no data surfaces unknown helpers now.
    new RenderBudget(trialLimits).run(Number.POSITIVE_INFINITY, () => template({}));
  } catch (error) {
    if (!/not defined in/.test((error as Error).message)) {
      throw new TemplateSyntaxError((error as Error).message, { cause: error });
    }
  }
  return (data, budget, maxChars) => {
    try {
      const view = budgetedData(data, budget);
      return budget.run(maxChars, () => template(escapeData === undefined ? view : escapedData(view, escapeData)));
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

const escapedViews = new WeakMap<(value: string) => string, WeakMap<object, object>>();

/**
 * A read-only view of data whose strings come out escaped, for parts whose
 * markup data must not be able to write (Slack's `<!channel>`, say). Views
 * are kept per escape function and data object, like budgetedData's.
 */
function escapedData(data: object, escapeValue: (value: string) => string): object {
  let views = escapedViews.get(escapeValue);
  if (views === undefined) {
    views = new WeakMap();
    escapedViews.set(escapeValue, views);
  }
  let view = views.get(data);
  if (view === undefined) {
    view = new Proxy(data, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key);
        if (typeof value === "string") return escapeValue(value);
        if (value !== null && typeof value === "object") return escapedData(value, escapeValue);
        return value;
      },
      set: () => false,
      deleteProperty: () => false,
      defineProperty: () => false,
    });
    views.set(data, view);
  }
  return view;
}

const refused: Record<string, string> = {
  PartialStatement: "partials ({{> name}}) are not allowed",
  PartialBlockStatement: "partial blocks ({{#> name}}) are not allowed",
  Decorator: "decorators ({{* name}}) are not allowed",
  DecoratorBlock: "inline partials and decorator blocks ({{#* name}}) are not allowed",
};

type Node = {
  type?: string;
  escaped?: boolean;
  path?: { original?: unknown };
  loc?: { start: { line: number; column: number } };
};

/**
 * Walks the parsed template for what Herald does not render: partials and
 * decorators anywhere, the `log` helper (it writes to the server's console),
 * more expressions than allowed, and in HTML parts `{{{ }}}`.
 */
function refuseUnsupported(node: unknown, walk: { html: boolean; maxExpressions: number; expressions: number }): void {
  if (node === null || typeof node !== "object") return;
  const n = node as Node;
  const at = n.loc ? ` (line ${n.loc.start.line}, column ${n.loc.start.column + 1})` : "";
  const reason = n.type === undefined ? undefined : refused[n.type];
  if (reason !== undefined) throw new TemplateSyntaxError(`${reason}${at}`);
  if (n.type === "MustacheStatement" || n.type === "BlockStatement" || n.type === "SubExpression") {
    if (n.path?.original === "log") throw new TemplateSyntaxError(`the log helper is not allowed${at}`);
    if (++walk.expressions > walk.maxExpressions) {
      const limit = walk.maxExpressions.toLocaleString("en-US");
      throw new TemplateSyntaxError(`has more than ${limit} expressions ({{ }}, blocks); the limit is ${limit}`);
    }
  }
  if (walk.html && (n.type === "MustacheStatement" || n.type === "TripleStash") && n.escaped === false) {
    throw new TemplateSyntaxError(`{{{ }}} would put data into the HTML unescaped${at}; use {{ }}`);
  }
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) for (const child of value) refuseUnsupported(child, walk);
    else if (value !== null && typeof value === "object") refuseUnsupported(value, walk);
  }
}
