#!/usr/bin/env node
// The `herald` command. In the Docker image (dist/ without src/) it runs the
// compiled build. In a checkout it runs the TypeScript sources, bundled by
// esbuild into node_modules/.cache/herald-cli on first use and rebuilt only when
// a source file changes: plain JavaScript starts several times faster than
// TypeScript compiled on the fly, so `herald token` answers in about 0.1 s.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(fileURLToPath(import.meta.url), "../..");
const sources = path.join(root, "src/cli.ts");

if (existsSync(sources)) {
  await import(pathToFileURL(await bundled()).href);
} else {
  await import(pathToFileURL(path.join(root, "dist/src/cli.js")).href);
}

/** The entry point of an up-to-date bundle of src/cli.ts, building one if needed. */
async function bundled() {
  const cache = path.join(root, "node_modules/.cache/herald-cli");
  const manifestFile = path.join(cache, "manifest.json");
  const stamp = (file) => {
    const s = statSync(path.join(root, file), { throwIfNoEntry: false });
    return s === undefined ? "gone" : `${s.mtimeMs}:${s.size}`;
  };
  try {
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
    const entry = path.join(cache, manifest.dir, "cli.js");
    if (existsSync(entry) && Object.entries(manifest.inputs).every(([file, was]) => stamp(file) === was)) return entry;
  } catch {
    // no bundle yet, or an unreadable manifest: build one
  }

  const esbuild = await import("esbuild");
  // A fresh folder per build: a herald process still running from the previous
  // bundle keeps importing its chunks from there.
  const dir = `cli-${Date.now().toString(36)}-${process.pid}`;
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ["src/cli.ts"],
    outdir: path.join(cache, dir),
    bundle: true,
    splitting: true, // each command's modules in their own chunks, loaded on demand
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external", // node_modules load as usual (and OpenTelemetry can patch pg)
    sourcemap: "linked",
    metafile: true,
    logLevel: "error",
  });
  const inputs = Object.fromEntries(Object.keys(result.metafile.inputs).map((file) => [file, stamp(file)]));
  mkdirSync(cache, { recursive: true });
  const temp = `${manifestFile}.${process.pid}`;
  writeFileSync(temp, JSON.stringify({ dir, inputs }));
  renameSync(temp, manifestFile); // atomic: a concurrent run reads the old manifest or this one
  removeOldBundles(cache, dir);
  return path.join(cache, dir, "cli.js");
}

/**
 * Keeps the current bundle and the three before it: a `herald serve` started
 * from an older one may still load a chunk from it.
 */
function removeOldBundles(cache, keep) {
  const older = readdirSync(cache)
    .filter((name) => name.startsWith("cli-") && name !== keep)
    .map((name) => ({ name, mtime: statSync(path.join(cache, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { name } of older.slice(3)) rmSync(path.join(cache, name), { recursive: true, force: true });
}
