import type { CelEnv, parse } from "@bufbuild/cel";

// @bufbuild/cel checks types internally but exports no checker, so the checks
// a condition needs before it is saved are made here, on the parsed AST: names
// that exist, fields of `notification` and `recipient` that exist, a result
// that can be a bool, and a bound on nested comprehensions.

type Expr = ReturnType<typeof parse>["expr"];

/**
 * What is known of an expression's type without running it. `nonbool` is a
 * value of some type other than bool (arithmetic, whatever its operands);
 * `dyn` is anything, known only at evaluation (what data and attributes hold).
 */
type StaticType =
  | "bool"
  | "int"
  | "uint"
  | "double"
  | "string"
  | "bytes"
  | "null"
  | "list"
  | "map"
  | "type"
  | "nonbool"
  | "dyn";

/** The fields of each variable a condition sees, with their types (see ConditionInput). */
export const conditionVariables: Readonly<Record<string, Readonly<Record<string, StaticType>>>> = {
  notification: {
    id: "string",
    category: "string",
    priority: "string",
    data: "map",
    seen: "bool",
    read: "bool",
    archived: "bool",
  },
  recipient: { user_id: "string", locale: "string", timezone: "string", attributes: "map" },
};

/**
 * Comprehensions (`exists`, `all`, `map`, `filter`...) may not nest: each runs
 * over at most the values data or attributes can hold (1,000 by default,
 * DATA_MAX_VALUES), but one inside another runs the product (1,000,000 steps
 * took about 0.8 s here), and @bufbuild/cel has no cost limit to stop it.
 * Comprehensions one after another, or over lists concatenated within the
 * 2,048 characters, stay linear in the data.
 */
export const maxComprehensionNesting = 1;

/**
 * Deepest nesting of expressions (operators, calls, lists, maps). The parser,
 * this walk and the evaluator all recurse, and the stack left to them depends
 * on who calls; 2,048 characters of `[[[...]]]` overflow it. (Parentheses make
 * no node; the parser alone recurses on them, and its overflow is reported as
 * this same limit.) CEL's
 * spec asks implementations for at least 12 levels of nesting; this allows
 * far more than a condition needs.
 */
export const maxExpressionDepth = 100;

// Identifiers CEL resolves to types (`type(x) == list`).
const typeNames = new Set([
  "bool",
  "int",
  "uint",
  "double",
  "string",
  "bytes",
  "list",
  "map",
  "null_type",
  "type",
  "dyn",
]);
const boolOperators = new Set([
  "_==_",
  "_!=_",
  "_<_",
  "_<=_",
  "_>_",
  "_>=_",
  "@in",
  "!_",
  "_&&_",
  "_||_",
  "@not_strictly_false",
  "startsWith",
  "endsWith",
  "contains",
  "matches",
  "bool",
]);
const arithmetic = new Set(["_+_", "_-_", "_*_", "_/_", "_%_", "-_"]);
const conversions: ReadonlyMap<string, StaticType> = new Map([
  ["int", "int"],
  ["uint", "uint"],
  ["double", "double"],
  ["string", "string"],
  ["bytes", "bytes"],
  ["size", "int"],
  ["type", "type"],
]);

/** A reason the condition cannot be used. */
export class ConditionCheckError extends Error {}

/** Checks a parsed condition; throws ConditionCheckError with the reason. */
export function checkCondition(expr: Expr, env: CelEnv): void {
  const type = new Walk(env).type(expr, new Map(), 0);
  if (type !== "bool" && type !== "dyn") throw new ConditionCheckError(`must yield a bool, not ${describe(type)}`);
}

const describe = (t: StaticType) => (t === "nonbool" ? "a number, string or list" : `a ${t === "null" ? "null" : t}`);

/** Variables in scope (comprehension variables) and their types. */
type Scope = ReadonlyMap<string, StaticType>;

class Walk {
  private depth = 0;

  constructor(private readonly env: CelEnv) {}

  type(e: Expr, scope: Scope, nesting: number): StaticType {
    if (++this.depth > maxExpressionDepth) {
      throw new ConditionCheckError(`nests expressions more than ${maxExpressionDepth} deep`);
    }
    const type = this.typeOf(e, scope, nesting);
    this.depth--;
    return type;
  }

  private typeOf(e: Expr, scope: Scope, nesting: number): StaticType {
    const k = e.exprKind;
    switch (k.case) {
      case "constExpr":
        return constantType(k.value.constantKind.case);
      case "identExpr":
        return this.ident(k.value.name, scope);
      case "selectExpr": {
        const operand = k.value.operand as Expr;
        const field = this.field(operand, k.value.field, scope, nesting);
        return k.value.testOnly ? "bool" : field;
      }
      case "callExpr":
        return this.call(k.value.function, k.value.target, k.value.args, scope, nesting);
      case "listExpr":
        for (const item of k.value.elements) this.type(item, scope, nesting);
        return "list";
      case "structExpr":
        if (k.value.messageName !== "")
          throw new ConditionCheckError(`builds a ${k.value.messageName} message, which conditions cannot`);
        for (const entry of k.value.entries) {
          if (entry.keyKind.case === "mapKey") this.type(entry.keyKind.value, scope, nesting);
          if (entry.value !== undefined) this.type(entry.value, scope, nesting);
        }
        return "map";
      case "comprehensionExpr":
        return this.comprehension(k.value, scope, nesting);
      default:
        throw new ConditionCheckError("has an expression of a kind CEL's parser does not make");
    }
  }

  private ident(name: string, scope: Scope): StaticType {
    const local = scope.get(name);
    if (local !== undefined) return local;
    if (Object.hasOwn(conditionVariables, name)) return "map";
    if (typeNames.has(name)) return "type";
    throw new ConditionCheckError(
      `names "${name}", which is not a variable (there are ${Object.keys(conditionVariables).join(" and ")})`,
    );
  }

  /** `operand.name`: on `notification` or `recipient` itself, a field that must exist. */
  private field(operand: Expr, name: string, scope: Scope, nesting: number): StaticType {
    this.type(operand, scope, nesting);
    const variable = topLevelVariable(operand, scope);
    return variable === undefined ? "dyn" : fieldType(variable, name, `${variable}.${name}`);
  }

  private call(
    name: string,
    target: Expr | undefined,
    args: readonly Expr[],
    scope: Scope,
    nesting: number,
  ): StaticType {
    const types = [...(target === undefined ? [] : [target]), ...args].map((a) => this.type(a, scope, nesting));
    if (name === "_[_]") return this.index(args, scope);
    if (name === "_?_:_") return joinBranches(types[1] as StaticType, types[2] as StaticType);
    if (/^[A-Za-z]/.test(name) && this.env.funcs.find(name) === undefined) {
      throw new ConditionCheckError(`calls ${name}(), which is not a function CEL knows here`);
    }
    if (boolOperators.has(name)) return "bool";
    if (arithmetic.has(name)) return "nonbool";
    return conversions.get(name) ?? "dyn";
  }

  /** `notification["read"]` is checked like `notification.read`; other indexes are known only at evaluation. */
  private index(args: readonly Expr[], scope: Scope): StaticType {
    const [operand, key] = args as [Expr, Expr];
    const variable = topLevelVariable(operand, scope);
    const k = key.exprKind;
    if (variable === undefined || k.case !== "constExpr" || k.value.constantKind.case !== "stringValue") return "dyn";
    const name = k.value.constantKind.value;
    return fieldType(variable, name, `${variable}[${JSON.stringify(name)}]`);
  }

  private comprehension(
    c: Extract<Expr["exprKind"], { case: "comprehensionExpr" }>["value"],
    scope: Scope,
    nesting: number,
  ): StaticType {
    if (nesting + 1 > maxComprehensionNesting) {
      throw new ConditionCheckError(
        `nests comprehensions (exists, all, map, filter...) ${nesting + 1} deep; the limit is ${maxComprehensionNesting}`,
      );
    }
    this.type(c.iterRange as Expr, scope, nesting);
    const accumulator = this.type(c.accuInit as Expr, scope, nesting);
    const inner = new Map(scope);
    inner.set(c.iterVar, "dyn");
    if (c.iterVar2 !== "") inner.set(c.iterVar2, "dyn");
    inner.set(c.accuVar, accumulator);
    this.type(c.loopCondition as Expr, inner, nesting + 1);
    this.type(c.loopStep as Expr, inner, nesting + 1);
    const result = new Map(scope);
    result.set(c.accuVar, accumulator);
    return this.type(c.result as Expr, result, nesting);
  }
}

/** The variable `e` names, if it is `notification` or `recipient` itself (not a comprehension variable that shadows it). */
function topLevelVariable(e: Expr, scope: Scope): string | undefined {
  if (e.exprKind.case !== "identExpr") return undefined;
  const name = e.exprKind.value.name;
  return !scope.has(name) && Object.hasOwn(conditionVariables, name) ? name : undefined;
}

/** The type of a field of `notification` or `recipient`; `shown` is how the expression wrote it. */
function fieldType(variable: string, name: string, shown: string): StaticType {
  const fields = conditionVariables[variable] as Readonly<Record<string, StaticType>>;
  const type = Object.hasOwn(fields, name) ? fields[name] : undefined;
  if (type !== undefined) return type;
  throw new ConditionCheckError(
    `selects ${shown}, which does not exist (${variable} has ${Object.keys(fields).join(", ")})`,
  );
}

function constantType(kind: string | undefined): StaticType {
  switch (kind) {
    case "boolValue":
      return "bool";
    case "int64Value":
      return "int";
    case "uint64Value":
      return "uint";
    case "doubleValue":
      return "double";
    case "stringValue":
      return "string";
    case "bytesValue":
      return "bytes";
    case "nullValue":
      return "null";
    default:
      return "dyn";
  }
}

/** `c ? a : b`: bool only if both are, and not bool if neither can be. */
function joinBranches(a: StaticType, b: StaticType): StaticType {
  if (a === b) return a;
  if (a === "dyn" || b === "dyn" || a === "bool" || b === "bool") return "dyn";
  return "nonbool";
}
