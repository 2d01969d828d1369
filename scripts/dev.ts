// `npm start`: the whole stack on this machine (see src/devstack/dev-stack.ts).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startDevStack } from "../src/devstack/dev-stack.js";

startDevStack(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")).catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
