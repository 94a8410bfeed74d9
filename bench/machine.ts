/**
 * @module
 * The machine and tool versions a run was taken on, for bench/RESULTS.md: numbers mean little without them.
 */
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import process from "node:process";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  wrangler: string;
  workerd: string;
  miniflare: string;
  /** The load generator of the overhead measure. */
  autocannon: string;
}

/** Describes this machine; unknown facts read "unknown" rather than failing the run. */
export async function describeMachine(root: string): Promise<Machine> {
  const version = async (pkg: string) => {
    try {
      const json: unknown = JSON.parse(
        await readFile(path.join(root, "node_modules", pkg, "package.json"), "utf8"),
      );
      return typeof json === "object" &&
        json !== null &&
        "version" in json &&
        typeof json.version === "string"
        ? json.version
        : "unknown";
    } catch {
      return "unknown";
    }
  };
  let distro: string = os.platform();
  try {
    const release = await readFile("/etc/os-release", "utf8");
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
    autocannon: await version("autocannon"),
  };
}
