// `npm run check:compose`: docker-compose.yml is valid Compose (loaded by
// compose-go, the loader of `docker compose`), and the environment it gives
// Herald is one the config module accepts, with no variable it does not know.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const json = execFileSync("go", ["run", ".", path.join(root, "docker-compose.yml")], {
  cwd: path.join(root, "tools/compose-check"),
  env: {
    ...process.env,
    POSTGRES_PASSWORD: "placeholder",
    HERALD_USER_TOKEN_SECRET: "placeholder-secret-of-at-least-32-bytes",
  },
  encoding: "utf8",
});
const project = JSON.parse(json) as { services: Record<string, { environment?: Record<string, string | null> }> };
const env = Object.fromEntries(
  Object.entries(project.services.herald?.environment ?? {}).map(([k, v]) => [k, v ?? ""]),
);

const read = new Set<string>();
loadConfig(
  new Proxy(env, {
    get(target, name: string) {
      read.add(name);
      return target[name];
    },
  }),
);
const unknown = Object.keys(env).filter((name) => !read.has(name));
if (unknown.length > 0) {
  console.error(`check-compose: herald's environment sets variables config.ts does not read: ${unknown.join(", ")}`);
  process.exit(1);
}
console.log(
  `check-compose: ok (${Object.keys(project.services).join(", ")}; herald gets ${Object.keys(env).join(", ")})`,
);
