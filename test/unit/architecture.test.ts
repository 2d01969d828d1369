import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkArchitecture, formatViolations } from "../../scripts/check-architecture.js";

const root = path.resolve(import.meta.dirname, "../..");

describe("the architecture check (npm run check:architecture)", () => {
  it("finds src/ layered as the README draws it, with no import cycles", async () => {
    const report = await checkArchitecture({ root });
    // The check saw the tree: a wrong root or a broken resolver would pass with nothing seen.
    expect(report.modules).toBeGreaterThan(100);
    expect(report.violations, `\n${formatViolations(report.violations)}\n`).toEqual([]);
    // Resolving ~340 modules' imports takes 20-50 s on a busy 2-core machine.
  }, 180_000);

  it("reports each rule a small tree breaks, and none of the imports the rules allow", async () => {
    const fixture = path.join(root, "test/fixtures/architecture");
    const { violations } = await checkArchitecture({ root: fixture });
    const npm = (file: string) => `../../../node_modules/${file}`;
    expect(violations.map((v) => `${v.rule}: ${v.from} -> ${v.to}`).sort()).toEqual(
      [
        "usecases-stay-plain: src/usecases/list.ts -> gen/ts/contract_pb.ts",
        `usecases-stay-plain: src/usecases/send.ts -> ${npm("pg/esm/index.mjs")}`,
        "usecases-stay-plain: src/usecases/send.ts -> src/dispatch/worker.ts",
        "domain-is-self-contained: src/domain/token.ts -> src/usecases/send.ts",
        "domain-has-no-runtime-packages: src/domain/token.ts -> crypto",
        `store-knows-no-callers: src/store/rows.ts -> ${npm("@connectrpc/connect/dist/esm/index.js")}`,
        "channels-know-no-callers: src/channels/email.ts -> src/usecases/send.ts",
        "workflows-use-domain-and-store: src/workflows/engine.ts -> src/usecases/send.ts",
        "workflows-know-no-rpc: src/workflows/engine.ts -> gen/ts/contract_pb.ts",
        "app-is-the-root: src/api/handler.ts -> src/app.ts",
        "src-ships-alone: src/ships/dev-imports.ts -> outside.ts",
        `src-loads-no-dev-dependency: src/ships/dev-imports.ts -> ${npm("mailparser/dist/esm/index.js")}`,
        "imports-resolve: src/ships/dev-imports.ts -> ./missing.js",
        // Runtime cycles only: type-a.ts <-> type-b.ts is a cycle of types, not of modules.
        "no-cycles: src/cycles/inline-a.ts -> src/cycles/inline-b.ts -> src/cycles/inline-a.ts",
        "no-cycles: src/cycles/runtime-a.ts -> src/cycles/runtime-b.ts -> src/cycles/runtime-a.ts",
      ].sort(),
    );
  });
});
