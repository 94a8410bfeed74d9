/**
 * @module
 * Child processes the local stack starts and must be able to stop completely. A long-running child (wrangler dev) is
 * spawned as the leader of a new process group, so everything it starts (workerd, esbuild) can be ended by that
 * group's id; a synchronous last-resort kill on process exit covers a caller that forgets to stop it. Node only.
 */
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { isErrnoException } from "./errno.ts";

/** How a child ended. */
export interface ChildExit {
  code: number | null;
  signal: string | null;
}

/** A spawned child with its end and its output. */
export interface SpawnedChild {
  child: ChildProcess;
  /** Settles when the child exits, or fails to start, for whatever reason. */
  exited: Promise<ChildExit>;
  /** What the child wrote to stdout and stderr, the newest part. */
  output: () => string;
}

export interface SpawnChildOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Leads a new process group, so `stopProcessGroup` can end the whole tree. */
  groupLeader: boolean;
  /** Sees each piece of output as it arrives. */
  echo?: (text: string, stream: "stdout" | "stderr") => void;
}

/** Output kept per child for error messages and tests (the newest part). */
const OUTPUT_KEEP_CHARS = 2_000_000;
/** Grace for the leader to shut its children down on SIGTERM before the group is signalled. */
const STOP_GRACE_MS = 5_000;
/** How long each group-wide signal may take to empty the group. */
const GROUP_SIGNAL_WAIT_MS = 1_000;
const POLL_MS = 50;

/** Spawns `command` with piped output and no stdin. */
export function spawnChild(
  command: string,
  args: readonly string[],
  options: SpawnChildOptions,
): SpawnedChild {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.groupLeader,
  });
  return { child, exited: exitOf(child), output: collectOutput(child, options.echo) };
}

function collectOutput(child: ChildProcess, echo: SpawnChildOptions["echo"]): () => string {
  let text = "";
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  for (const stream of ["stdout", "stderr"] as const) {
    child[stream]?.on("data", (chunk: Uint8Array) => {
      const piece = decoders[stream].decode(chunk, { stream: true });
      echo?.(piece, stream);
      text += piece;
      if (text.length > OUTPUT_KEEP_CHARS) text = text.slice(-OUTPUT_KEEP_CHARS / 2);
    });
  }
  return () => text;
}

function exitOf(child: ChildProcess): Promise<ChildExit> {
  return new Promise((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal }));
    child.on("error", () => resolve({ code: null, signal: null }));
  });
}

/** Signals every process in the group led by `pgid`; false when the group is gone. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if (isErrnoException(error, "ESRCH")) return false;
    throw error;
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return check();
}

/**
 * SIGTERM to the leader (wrangler stops workerd gracefully), then whatever is left of its process group is
 * terminated, then killed. Exited-but-unreaped children still count as group members, so the final wait is short and
 * not an error.
 */
export async function stopProcessGroup({ child, exited }: SpawnedChild): Promise<void> {
  const pgid = child.pid;
  if (pgid === undefined) return;
  let done = child.exitCode !== null || child.signalCode !== null;
  void exited.then(() => {
    done = true;
  });
  if (!done) {
    child.kill("SIGTERM");
    await waitUntil(() => done, STOP_GRACE_MS);
  }
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    if (!signalGroup(pgid, 0)) return;
    signalGroup(pgid, signal);
    if (await waitUntil(() => !signalGroup(pgid, 0), GROUP_SIGNAL_WAIT_MS)) return;
  }
}

/**
 * Kills the group led by `pgid` if this process exits first: synchronous, so it runs inside `process.exit()`.
 * Returns the function that withdraws the guard once the group is stopped.
 */
export function killGroupOnExit(pgid: number): () => void {
  const kill = () => signalGroup(pgid, "SIGKILL");
  process.on("exit", kill);
  return () => process.off("exit", kill);
}
