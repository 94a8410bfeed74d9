/**
 * @module
 * Helpers for the end-to-end tests: run a script as a child process, find processes left behind, poll, and talk to
 * the stand-ins' control APIs over HTTP as a user would.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";

/** What a finished child process left. */
export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A child process running one of our scripts with the Node that runs the tests (the project's Node 22). */
export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  finished: Promise<Finished>;
}

/**
 * Starts `node <script> ...args` in the repository root. `groupLeader`: in a process group of its own, as a shell
 * starts a command, so a test can signal that whole group (`process.kill(-pid, ...)`).
 */
export async function startScript(
  root: string,
  script: string,
  args: string[],
  env: Record<string, string> = {},
  groupLeader = false,
): Promise<Running> {
  const child = spawn(process.execPath, [join(root, script), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: groupLeader,
  });
  let stdout = "";
  let stderr = "";
  const decoder = { out: new TextDecoder(), err: new TextDecoder() };
  child.stdout?.on("data", (chunk: Uint8Array) => {
    stdout += decoder.out.decode(chunk, { stream: true });
  });
  child.stderr?.on("data", (chunk: Uint8Array) => {
    stderr += decoder.err.decode(chunk, { stream: true });
  });
  const finished = new Promise<Finished>((resolve) => {
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, finished };
}

/** Runs `node <script> ...args` to the end. */
export async function runScript(
  root: string,
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Finished> {
  return (await startScript(root, script, args, env)).finished;
}

/**
 * Live processes (zombies excluded) whose command line mentions `text`, e.g. a test's unique state directory.
 * Linux /proc; elsewhere it reports nothing, and the check is skipped.
 */
export async function processesMentioning(text: string): Promise<string[]> {
  let pids: string[];
  try {
    pids = (await readdir("/proc")).filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const pid of pids) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      if (/\) Z /.test(stat)) continue;
      const cmdline = (await readFile(`/proc/${pid}/cmdline`, "utf8")).replaceAll("\0", " ");
      if (cmdline.includes(text)) found.push(`${pid} ${cmdline.slice(0, 160)}`);
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

/** Polls `check` until it returns true or `timeoutMs` passes (shared with the Workers-runtime tests). */
export { waitFor } from "../test/support/wait.ts";

/** A JSON request to a stand-in's control API; throws on a non-2xx. */
export async function control(base: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}/__standin/${path}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  if (!res.ok) throw new Error(`${base}/__standin/${path} answered ${res.status}`);
  return res.json();
}
