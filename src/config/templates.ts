import type { EnvReader } from "./env.js";

/** Templates: the fallback locale and how much rendering a Send may do (README "Security"). */
export interface TemplatesConfig {
  defaultLocale: string;
  renderBudgetMs: number;
  renderMaxIterations: number;
  /** Characters of data a Send's rendering may read (each read counts). */
  renderMaxBytes: number;
  /** Expressions a template part may have; compiling costs about 40 µs each. */
  maxExpressions: number;
}

export function readTemplates(env: EnvReader): TemplatesConfig {
  const defaultLocale = env.str("DEFAULT_LOCALE", "en") ?? "en";
  if (!/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/.test(defaultLocale)) {
    env.problems.push(`DEFAULT_LOCALE must be a BCP 47 tag such as en or de-AT, got "${defaultLocale}"`);
  }
  return {
    defaultLocale,
    renderBudgetMs: env.int("TEMPLATE_RENDER_BUDGET_MS", 250, 1, 60_000),
    renderMaxIterations: env.int("TEMPLATE_RENDER_MAX_ITERATIONS", 10_000, 1, 10_000_000),
    renderMaxBytes: env.int("TEMPLATE_RENDER_MAX_BYTES", 4 * 1024 * 1024, 1024, 256 * 1024 * 1024),
    maxExpressions: env.int("TEMPLATE_MAX_EXPRESSIONS", 2_000, 1, 100_000),
  };
}
