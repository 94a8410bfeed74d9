/**
 * @module
 * Runs a package's Node script (wrangler, vitest) with the Node that runs the bench, collects its output,
 * and kills it by pid if it outlives its timeout. Spawned directly, not through npx, whose wrapper would
 * outlive a kill.
 */
import { spawn } from "node:child_process";
import process from "node:process";

/** The exit code (null when killed or failed to start) and everything it printed, stdout then stderr as they came. */
export interface ScriptRun {
  code: number | null;
  output: string;
}

/** Runs `node <script> ...args` in `cwd` with `env` added to ours. */
export async function runNodeScript(options: {
  cwd: string;
  script: string;
  args: string[];
  env?: Record<string, string>;
  timeoutMs: number;
}): Promise<ScriptRun> {
  const child = spawn(process.execPath, [options.script, ...options.args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const decoder = new TextDecoder();
  const collect = (chunk: Uint8Array) => {
    output += decoder.decode(chunk, { stream: true });
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
  const code = await new Promise<number | null>((resolve) => {
    child.on("exit", (c) => resolve(c));
    child.on("error", () => resolve(null));
  }).finally(() => clearTimeout(timer));
  return { code, output };
}
