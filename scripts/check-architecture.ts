// `npm run check:architecture`: src/ keeps the layering of
// architecture-rules.ts and has no import cycles. dependency-cruiser reads the
// import graph as TypeScript resolves it with tsconfig.json (`./y.js` is
// `y.ts`), in two passes:
// - layering: every import, type-only ones included, each marked
//   `pre-compilation-only` when TypeScript's output drops it;
// - cycles: the graph of the compiled JavaScript only, where `import type`
//   and `export type` are gone but `import { type X }` stays (it compiles to
//   `import {}`, which still loads the module). A separate pass rather than a
//   filter on the first: dependency-cruiser reports one cycle per import, and
//   the one it finds may run through a type-only import while a runtime
//   cycle through the same import goes unreported.
// Prints each broken rule, why it exists, and the imports that break it;
// exits 1 if there is any.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cruise, getAvailableTranspilers, type ICruiseResult, type IForbiddenRuleType } from "dependency-cruiser";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import { cycleRules, layeringRules } from "./architecture-rules.js";

/** One import that breaks one rule. */
export interface ArchitectureViolation {
  /** The rule's name, as in architecture-rules.ts. */
  rule: string;
  /** The importing file, relative to the root. */
  from: string;
  /** The imported file or package, relative to the root; for a cycle, the files around it, back to `from`. */
  to: string;
}

export interface CheckArchitectureOptions {
  /** The repository root: where tsconfig.json is, and what reported paths are relative to. */
  root: string;
  /** Folders to check, relative to the root. Default: `["src"]`. */
  folders?: string[];
}

export interface ArchitectureReport {
  violations: ArchitectureViolation[];
  /** Modules and imports seen by the layering pass, to show the check looked at something. */
  modules: number;
  imports: number;
}

export async function checkArchitecture(options: CheckArchitectureOptions): Promise<ArchitectureReport> {
  // Without a TypeScript it supports, dependency-cruiser reads .ts files as
  // plain JavaScript, sees no imports, and everything would pass.
  const typescript = getAvailableTranspilers().find((t) => t.name === "typescript");
  if (!typescript?.available) {
    throw new Error(`check:architecture needs TypeScript ${typescript?.version ?? ""} for dependency-cruiser`);
  }
  const folders = options.folders ?? ["src"];
  const tsConfigFile = path.join(options.root, "tsconfig.json");
  const tsConfig = extractTSConfig(tsConfigFile);
  const pass = async (rules: IForbiddenRuleType[], tsPreCompilationDeps: boolean | "specify") => {
    const { output } = await cruise(
      folders,
      {
        baseDir: options.root,
        ruleSet: { forbidden: rules },
        validate: true,
        tsPreCompilationDeps,
        tsConfig: { fileName: tsConfigFile },
        doNotFollow: { path: ["(^|/)node_modules/", "^gen/"] },
        // Resolve packages as Node does for `import` (package.json `exports`),
        // falling back to `types` for packages that only ship declarations.
        enhancedResolveOptions: {
          exportsFields: ["exports"],
          conditionNames: ["node", "import", "default", "types"],
        },
      },
      {},
      { tsConfig },
    );
    return output as ICruiseResult;
  };
  const [layering, cycles] = await Promise.all([pass(layeringRules, "specify"), pass(cycleRules, false)]);
  const violations = new Map<string, ArchitectureViolation>();
  for (const v of [...layering.summary.violations, ...cycles.summary.violations]) {
    const to = v.cycle ? v.cycle.map((step) => step.name).join(" -> ") : v.to;
    // A file that imports one module both with `import type` and `import`
    // has two imports of it in the graph: report the pair once.
    violations.set(`${v.rule.name} ${v.from} ${to}`, { rule: v.rule.name, from: v.from, to });
  }
  return {
    violations: [...violations.values()],
    modules: layering.summary.totalCruised,
    imports: layering.summary.totalDependenciesCruised ?? 0,
  };
}

/** The report as people read it: rules in the order of architecture-rules.ts, each with its reason. */
export function formatViolations(violations: ArchitectureViolation[]): string {
  const lines: string[] = [];
  for (const rule of [...layeringRules, ...cycleRules]) {
    const broken = violations.filter((v) => v.rule === rule.name);
    if (broken.length === 0) continue;
    lines.push(`${rule.name}: ${rule.comment}`);
    for (const v of broken) lines.push(`  ${v.from} -> ${v.to}`);
  }
  return lines.join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const report = await checkArchitecture({ root });
  const took = `${Math.round(performance.now() - started)} ms`;
  const seen = `${report.modules} modules, ${report.imports} imports`;
  if (report.violations.length > 0) {
    console.error(formatViolations(report.violations));
    console.error(`check:architecture: ${report.violations.length} violation(s) in ${seen} (${took})`);
    process.exitCode = 1;
  } else {
    console.log(`check:architecture: layering holds, no import cycles in src/ (${seen}, ${took})`);
  }
}
