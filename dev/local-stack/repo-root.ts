/**
 * @module
 * Where the repository is, found from this file rather than the working directory, so `npm start`, the end-to-end
 * tests and the benchmarks work from anywhere. Node only.
 */
import { fileURLToPath } from "node:url";

/**
 * The repository root (two levels above this file), where wrangler.toml lives. A promise, though nothing here waits:
 * its callers already await it, and finding the root may one day need I/O.
 */
export async function repoRoot(): Promise<string> {
  return fileURLToPath(new URL("../..", import.meta.url));
}
