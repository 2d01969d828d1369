import type { RenderBudget } from "./render-budget.js";

/**
 * A read-only view of a Send's data that charges every string a template
 * reads to the budget. Straight-line templates (`{{pad}}` written out a
 * thousand times) and loops (`{{../pad}}` inside `{{#each}}`) amplify data
 * through reads, so counting reads stops them before the output is built.
 * Nested objects and lists get views of their own, made once per budget.
 */
export function budgetedData(data: object, budget: RenderBudget): object {
  let view = budget.views.get(data);
  if (view === undefined) {
    view = new Proxy(data, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key);
        if (typeof value === "string") budget.read(value.length);
        else if (value !== null && typeof value === "object") return budgetedData(value, budget);
        return value;
      },
      set: () => false,
      deleteProperty: () => false,
      defineProperty: () => false,
    });
    budget.views.set(data, view);
  }
  return view;
}
