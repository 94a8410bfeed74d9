/**
 * @module
 * What a hard-stopped `npm start` leaves running. wrangler leads a process group of its own (process-group.ts), so a
 * SIGKILL of `npm start`'s group (a terminal's kill, an OOM kill) ends `npm start` and its stand-ins but not wrangler
 * and workerd, and the exit hook that would stop them never runs. The next `npm start` finds that wrangler through
 * the stack.json the killed one left behind and stops it before it starts its own on the same state. Node only.
 */
import { readFile } from "node:fs/promises";
import process from "node:process";
import * as v from "valibot";
import { StackFileSchema } from "./dev-state.ts";
import { isErrnoException } from "./errno.ts";

const GONE_TIMEOUT_MS = 5_000;
const POLL_MS = 50;

/** Whether `pid` (or, negative, a process group) exists. */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return !isErrnoException(error, "ESRCH");
  }
}

/**
 * Whether the process `pid` runs: exists and is not a zombie. A killed `npm start` whose parent (npm) was killed with
 * it stays a zombie until init reaps it, which in a container may take a while or never happen.
 */
async function running(pid: number): Promise<boolean> {
  if (!exists(pid)) return false;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    return !/\) Z /.test(stat);
  } catch {
    // No /proc (not Linux): as far as we can tell, it runs.
    return exists(pid);
  }
}

/** The command line of `pid` (Linux /proc), or `""` when it cannot be read. */
async function commandLine(pid: number): Promise<string> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, "utf8")).replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/** What `stopLeftoverWrangler` found. */
export type Leftover =
  | { kind: "none" }
  /** The `npm start` that wrote the file still runs: not ours to stop. */
  | { kind: "running"; pid: number }
  | { kind: "stopped"; wranglerPid: number };

/**
 * Stops the wrangler of an earlier `npm start` that died without stopping it: the one named in `stackFile`, when the
 * `npm start` that wrote the file is gone, its wrangler's group is still there, and that wrangler's command line names
 * `persistTo` (so a reused pid is never signalled).
 */
export async function stopLeftoverWrangler(stackFile: string, persistTo: string): Promise<Leftover> {
  let text: string;
  try {
    text = await readFile(stackFile, "utf8");
  } catch (error) {
    if (isErrnoException(error, "ENOENT")) return { kind: "none" };
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: "none" };
  }
  const parsed = v.safeParse(StackFileSchema, json);
  if (!parsed.success) return { kind: "none" };
  const { pid, wrangler_pid: wranglerPid } = parsed.output;
  if (pid !== process.pid && (await running(pid))) return { kind: "running", pid };
  if (wranglerPid === undefined || !exists(-wranglerPid)) return { kind: "none" };
  if (!(await commandLine(wranglerPid)).includes(persistTo)) return { kind: "none" };
  process.kill(-wranglerPid, "SIGKILL");
  const until = Date.now() + GONE_TIMEOUT_MS;
  while (exists(-wranglerPid) && Date.now() < until) await new Promise((r) => setTimeout(r, POLL_MS));
  return { kind: "stopped", wranglerPid };
}
