// The layering of src/ (README, Architecture): `api -> usecases -> store`,
// `dispatch -> channels`, `feed`, all wired by `app.ts` alone. Each rule is a
// dependency-cruiser `forbidden` rule; `comment` says why, and
// check-architecture.ts prints it next to the files that break it.
//
// Paths are matched against resolved files relative to the repository root
// (`src/usecases/send.ts`, `gen/ts/herald/v1/notification_pb.ts`,
// `node_modules/pg/lib/index.js`). Layering rules count every import,
// type-only ones included: a use case that names a Connect or pg type is
// coupled to it all the same. Only the cycle rule looks at runtime imports
// alone (see check-architecture.ts).
import type { IForbiddenRuleType } from "dependency-cruiser";

/** A path pattern for an npm package (or every package of a scope, `@scope/`), nested or not. */
const npm = (name: string): string => `(^|/)node_modules/${name.endsWith("/") ? name : `${name}/`}`;

/** Every kind of npm dependency dependency-cruiser tells apart, and Node's own modules. */
const packages = [
  "npm",
  "npm-dev",
  "npm-optional",
  "npm-peer",
  "npm-bundled",
  "npm-no-pkg",
  "npm-unknown",
  "core",
] as const;

export const layeringRules: IForbiddenRuleType[] = [
  {
    name: "usecases-stay-plain",
    comment:
      "use cases are plain TypeScript: no dispatch (queue vocabulary), api or Connect/gRPC, generated code, SQL or NATS",
    severity: "error",
    from: { path: "^src/usecases/" },
    to: {
      path: [
        "^src/dispatch/",
        "^src/api/",
        "^gen/",
        npm("@connectrpc/"),
        npm("@grpc/"),
        npm("pg"),
        npm("pg-[^/]+"),
        npm("sequelize"),
        npm("@nats-io/"),
      ],
    },
  },
  {
    name: "domain-is-self-contained",
    comment: "domain/ (types, status sets, named errors) depends on nothing else in the repository",
    severity: "error",
    from: { path: "^src/domain/" },
    to: { pathNot: "^src/domain/", dependencyTypesNot: [...packages] },
  },
  {
    name: "domain-has-no-runtime-packages",
    comment: "domain/ may name a package's types (`import type`) but loads no package, not even Node's own",
    severity: "error",
    from: { path: "^src/domain/" },
    // `pre-compilation-only`: the import disappears when TypeScript compiles
    // the file. `import { type X } from "p"` is not one: under
    // verbatimModuleSyntax it compiles to `import {} from "p"`, which loads p.
    to: { dependencyTypes: [...packages], dependencyTypesNot: ["pre-compilation-only"] },
  },
  {
    name: "store-knows-no-callers",
    comment:
      "store/ is called by use cases and dispatch; it knows no api, use case, dispatch, channel, Connect or gen/",
    severity: "error",
    from: { path: "^src/store/" },
    to: {
      path: ["^src/api/", "^src/usecases/", "^src/dispatch/", "^src/channels/", "^gen/", npm("@connectrpc/")],
    },
  },
  {
    name: "workflows-use-domain-and-store",
    comment:
      "workflows/ (steps, timers, digests, throttles) builds on domain/ and store/ alone: no api, use case, dispatch, channel, Connect or gen/",
    severity: "error",
    from: { path: "^src/workflows/" },
    to: {
      path: ["^src/"],
      pathNot: ["^src/workflows/", "^src/domain/", "^src/store/"],
    },
  },
  {
    name: "workflows-know-no-rpc",
    comment: "workflows/ speaks the domain's language: no generated code, Connect or gRPC",
    severity: "error",
    from: { path: "^src/workflows/" },
    to: { path: ["^gen/", npm("@connectrpc/"), npm("@grpc/")] },
  },
  {
    name: "channels-know-no-callers",
    comment: "channels/ are driven by dispatch; a channel knows no api, use case or dispatch",
    severity: "error",
    from: { path: "^src/channels/" },
    to: { path: ["^src/api/", "^src/usecases/", "^src/dispatch/"] },
  },
  {
    name: "app-is-the-root",
    comment: "app.ts is the composition root: only serve.ts (the entry that listens) builds it",
    severity: "error",
    from: { path: "^src/", pathNot: "^src/serve\\.ts$" },
    to: { path: "^src/app\\.ts$" },
  },
  {
    name: "src-ships-alone",
    comment: "the image compiles src/ and gen/ts/ only: src/ imports no dev/, test/, bench/ or scripts/ file",
    severity: "error",
    from: { path: "^src/" },
    to: { dependencyTypes: ["local"], pathNot: "^(src|gen/ts)/" },
  },
  {
    name: "src-loads-no-dev-dependency",
    comment: "the image installs with --omit=dev: src/ may use a devDependency's types, never load it",
    severity: "error",
    from: { path: "^src/" },
    to: { dependencyTypes: ["npm-dev"], dependencyTypesNot: ["pre-compilation-only"] },
  },
  {
    name: "imports-resolve",
    comment: "an import the check cannot resolve is an import it cannot check",
    severity: "error",
    from: { path: "^src/" },
    to: { couldNotResolve: true },
  },
];

export const cycleRules: IForbiddenRuleType[] = [
  {
    name: "no-cycles",
    comment: "modules in src/ do not import each other in a circle (runtime imports, dynamic import() included)",
    severity: "error",
    from: { path: "^src/" },
    to: { circular: true },
  },
];
