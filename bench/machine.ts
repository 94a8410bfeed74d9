/**
 * @module
 * The machine and tool versions a run was taken on, for bench/RESULTS.md: numbers mean little without them.
 */
import { node } from "../dev/node-runtime.ts";
import { nodeExtra } from "./node-extra.ts";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  wrangler: string;
  workerd: string;
  miniflare: string;
}

/** Describes this machine; unknown facts read "unknown" rather than failing the run. */
export async function describeMachine(root: string): Promise<Machine> {
  const rt = await node();
  const { os, process } = await nodeExtra();
  const version = async (pkg: string) => {
    try {
      const json = JSON.parse(
        await rt.fs.readFile(rt.path.join(root, "node_modules", pkg, "package.json"), "utf8"),
      ) as { version?: unknown };
      return typeof json.version === "string" ? json.version : "unknown";
    } catch {
      return "unknown";
    }
  };
  let distro = os.platform();
  try {
    const release = await rt.fs.readFile("/etc/os-release", "utf8");
    distro = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)?.[1] ?? distro;
  } catch {
    // Not Linux, or no os-release: the platform name will do.
  }
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    os: `${distro}, kernel ${os.release()} (${os.arch()})`,
    node: process.version,
    wrangler: await version("wrangler"),
    workerd: await version("workerd"),
    miniflare: await version("miniflare"),
  };
}
