import { CelScalar, type CelValue, celEnv, celType, isCelError, mapType, parse, plan } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { InvalidArgumentError } from "../domain/errors.js";
import type { JsonObject } from "../domain/notification.js";
import { ConditionCheckError, checkCondition, maxExpressionDepth } from "./condition-check.js";

/** What a workflow's condition step sees (workflow.proto, ConditionStep). */
export interface ConditionInput {
  notification: {
    id: string;
    category: string;
    priority: string;
    data: JsonObject;
    seen: boolean;
    read: boolean;
    archived: boolean;
  };
  recipient: { user_id: string; locale: string; timezone: string; attributes: JsonObject };
}

/** ConditionInput as the planned expression takes it: JSON objects made Maps (see toCelMap). */
export interface ConditionBindings {
  notification: ReadonlyMap<string, unknown>;
  recipient: ReadonlyMap<string, unknown>;
}

/** A condition parsed, checked and planned once, to evaluate many times. */
export interface CompiledCondition {
  /** The expression as written. */
  readonly expression: string;
  /** Runs the planned expression on bindings of `notification` and `recipient`. */
  readonly run: (bindings: ConditionBindings) => unknown;
}

/** The contract's bound (ConditionStep.expression), checked again for callers that skip it. */
export const maxConditionLength = 2048;
/** Compiled conditions kept; a workflow holds a few, so this covers every workflow of a busy server. */
const cacheSize = 1000;

// The variables are maps of anything: their fields are checked by
// checkCondition, and data and attributes are free-form. The strings
// extension adds lowerAscii(), indexOf(), split()... which conditions on
// categories and attributes want.
const env = celEnv({
  funcs: strings,
  variables: {
    notification: mapType(CelScalar.STRING, CelScalar.DYN),
    recipient: mapType(CelScalar.STRING, CelScalar.DYN),
  },
});

// Least recently used first: a Map iterates in insertion order, and a hit is re-inserted.
const cache = new Map<string, CompiledCondition>();

/**
 * Parses and checks an expression; throws InvalidArgumentError(field, message)
 * when it does not compile, is not a bool, or selects a field that does not
 * exist on `notification` or `recipient` (fields under notification.data and
 * recipient.attributes are free-form and allowed). Also refuses expressions
 * longer than {@link maxConditionLength}, unknown functions, and nested
 * comprehensions (see maxComprehensionNesting). Compiled conditions are cached
 * by expression.
 */
export function compileCondition(expression: string, field: string): CompiledCondition {
  const cached = cache.get(expression);
  if (cached !== undefined) {
    cache.delete(expression);
    cache.set(expression, cached);
    return cached;
  }
  const compiled = compile(expression, field);
  cache.set(expression, compiled);
  if (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
  return compiled;
}

function compile(expression: string, field: string): CompiledCondition {
  if (expression.length > maxConditionLength) {
    throw new InvalidArgumentError(
      field,
      `is ${expression.length} characters long; the limit is ${maxConditionLength}`,
    );
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(expression);
  } catch (error) {
    throw new InvalidArgumentError(field, parseFailure(error), { cause: error });
  }
  try {
    checkCondition(parsed.expr, env);
  } catch (error) {
    if (!(error instanceof ConditionCheckError)) throw error;
    throw new InvalidArgumentError(field, error.message, { cause: error });
  }
  return { expression, run: plan(env, parsed) as (bindings: ConditionBindings) => unknown };
}

/** Why an expression does not parse, as the caller should read it. */
function parseFailure(error: unknown): string {
  // The parser recurses, so nesting deep enough overflows the stack before checkCondition sees it.
  if (error instanceof RangeError) return `nests expressions more than ${maxExpressionDepth} deep`;
  // Its messages start with a made-up file name: "<input>:1:3: found + but...".
  return `does not compile: ${error instanceof Error ? error.message.replace(/^<input>:/, "at ") : String(error)}`;
}

/**
 * Evaluates; an evaluation error (a missing data key, a type mismatch) gives
 * { value: false, error: "<message>" }, never throws. A result that is not a
 * bool (data holding something else than the expression expects) is such an
 * error too.
 */
export function evaluateCondition(c: CompiledCondition, input: ConditionInput): { value: boolean; error: string } {
  let result: unknown;
  try {
    result = c.run({ notification: toCelMap(input.notification), recipient: toCelMap(input.recipient) });
  } catch (error) {
    // The library returns errors rather than throwing them; this is for its bugs, which must not stop a run either.
    return { value: false, error: error instanceof Error ? error.message : String(error) };
  }
  if (isCelError(result)) return { value: false, error: result.message };
  if (typeof result !== "boolean") {
    return { value: false, error: `yields a ${celType(result as CelValue).name}, not a bool` };
  }
  return { value: result, error: "" };
}

/**
 * JSON objects as Maps: @bufbuild/cel reads a plain object with a `$typeName`
 * key as a protobuf message, and data is whatever senders put in it.
 */
function toCelMap(object: Readonly<Record<string, unknown>>): ReadonlyMap<string, unknown> {
  return new Map(Object.entries(object).map(([k, v]) => [k, toCelValue(v)]));
}

function toCelValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toCelValue);
  if (value !== null && typeof value === "object") return toCelMap(value as Record<string, unknown>);
  return value;
}
