import Handlebars from "handlebars";
import { activeBudget } from "./render-budget.js";

/**
 * Herald's `{{#each}}`: the built-in's semantics for what data holds (lists
 * and objects; `@index`, `@key`, `@first`, `@last`; block params
 * `as |item key|`; `{{else}}` when there is nothing to iterate), but every
 * iteration is charged to the render budget and the output so far checked
 * against the part's limit, so nested loops (n^3 and up) stop early.
 */
export function budgetedEach(this: unknown, context: unknown, options: Handlebars.HelperOptions): string {
  const budget = activeBudget();
  const frame = options.data === undefined ? undefined : Handlebars.createFrame(options.data);
  let output = "";
  let iterations = 0;
  const iterate = (key: string | number, index: number, value: unknown, last: boolean) => {
    budget.iteration();
    if (frame !== undefined) Object.assign(frame, { key, index, first: index === 0, last });
    output += options.fn(value, { data: frame, blockParams: [value, key] });
    budget.output(output.length);
    iterations++;
  };
  if (Array.isArray(context)) {
    for (let i = 0; i < context.length; i++) {
      if (i in context) iterate(i, i, context[i], i === context.length - 1);
    }
  } else if (context !== null && typeof context === "object") {
    const keys = Object.keys(context);
    keys.forEach((key, i) => {
      iterate(key, i, (context as Record<string, unknown>)[key], i === keys.length - 1);
    });
  }
  return iterations === 0 ? options.inverse(this) : output;
}
