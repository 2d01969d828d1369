import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { cachedTool, type Say } from "./tool-cache.js";

/**
 * Helm, to lint and render deploy/helm/herald in `npm run check:helm`. Its
 * release binaries come from get.helm.sh, which the development machines
 * cannot reach, and no package registry ships it; the Go module proxy does,
 * so it is compiled once into the tool cache (about 4 minutes on 2 cores).
 */
export const helmModule = "helm.sh/helm/v3/cmd/helm@v3.22.0";
/**
 * The Kubernetes version helm assumes when no cluster is asked (templates'
 * .Capabilities, Chart.yaml's kubeVersion, lint's deprecation checks). Helm's
 * Makefile sets it at link time from its client-go (v0.37 for helm 3.22);
 * without it a `go install`ed helm assumes 1.20.
 */
export const helmKubeVersion = { major: "1", minor: "37" };

export function ensureHelm(say?: Say): Promise<string> {
  const [, version] = helmModule.split("@") as [string, string];
  const { major, minor } = helmKubeVersion;
  const ldflags = [
    `-X helm.sh/helm/v3/internal/version.version=${version}`,
    ...["pkg/chartutil", "pkg/lint/rules"].flatMap((pkg) => [
      `-X helm.sh/helm/v3/${pkg}.k8sVersionMajor=${major}`,
      `-X helm.sh/helm/v3/${pkg}.k8sVersionMinor=${minor}`,
    ]),
  ].join(" ");
  return cachedTool({
    name: "helm",
    version: `${version}-k8s${major}.${minor}`,
    executable: "helm",
    ...(say !== undefined && { say }),
    async install(dir, say) {
      say(`first run: compiling helm with go install (${helmModule}), about 4 min`);
      await promisify(execFile)("go", ["install", `-ldflags=${ldflags}`, helmModule], {
        env: { ...process.env, GOBIN: dir },
        timeout: 20 * 60_000,
        maxBuffer: 16 * 1024 * 1024,
      });
    },
  });
}

const kubeCheckDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../tools/kube-check");

/**
 * tools/kube-check, built into the tool cache under a hash of its sources
 * (go.mod, go.sum, *.go): a changed checker is rebuilt, an unchanged one
 * starts at once, without even asking Go whether it is up to date.
 */
export function ensureKubeCheck(say?: Say): Promise<string> {
  const hash = createHash("sha256");
  for (const file of readdirSync(kubeCheckDir)
    .filter((f) => f === "go.mod" || f === "go.sum" || f.endsWith(".go"))
    .sort()) {
    hash.update(`${file}\0`).update(readFileSync(path.join(kubeCheckDir, file)));
  }
  return cachedTool({
    name: "kube-check",
    version: hash.digest("hex").slice(0, 16),
    executable: "kube-check",
    ...(say !== undefined && { say }),
    async install(dir, say) {
      say("building tools/kube-check (Kubernetes' API types: about 2 min the first time, seconds after a change)");
      await promisify(execFile)("go", ["build", "-o", path.join(dir, "kube-check"), "."], {
        cwd: kubeCheckDir,
        timeout: 20 * 60_000,
      });
    },
  });
}
