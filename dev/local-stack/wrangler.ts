/**
 * @module
 * Running wrangler for the local stack: one-shot commands (migrations, queries) and `wrangler dev` itself, with an
 * environment that holds the local stack's settings and nothing of the caller's. Node only.
 */
import { join } from "node:path";
import process from "node:process";
import { LOOPBACK } from "./ports.ts";
import { type SpawnedChild, spawnChild } from "./process-group.ts";
import { CONFIG_NAMES } from "./worker-vars.ts";

/** How long wrangler may take to answer `/health`: it is ~1.5 s warm, a cold first bundle takes longer. */
export const READY_TIMEOUT_MS = 60_000;
const HEALTH_POLL_MS = 100;
/** Per `/health` probe; a probe that times out is simply retried. */
const HEALTH_PROBE_TIMEOUT_MS = 2_000;
/** Output quoted in an error, the newest part. */
const ERROR_OUTPUT_CHARS = 4_000;

/** What every wrangler invocation shares. */
export interface WranglerContext {
  /** The repository root: wrangler's working directory. */
  root: string;
  env: NodeJS.ProcessEnv;
  /** Aborting it ends a one-shot command and rejects. */
  signal: AbortSignal | undefined;
}

/** This process's environment, minus the Worker settings the local stack chooses, plus wrangler's offline switches. */
export function wranglerEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONFIG_NAMES) delete env[name];
  // wrangler bundles NODE_ENV into the Worker; under vitest (NODE_ENV=test) every Clerk call then fails with
  // `unexpected_error` before reaching the stand-in. The local Worker should behave as deployed, whoever starts it.
  for (const name of Object.keys(env)) if (name === "NODE_ENV" || name.startsWith("VITEST")) delete env[name];
  return {
    ...env,
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    // wrangler reads required secrets from its environment and warns when they are missing there; `--var` alone
    // works but prints the warning.
    CLERK_SECRET_KEY: vars.CLERK_SECRET_KEY,
    CLERK_SECRET_KEYS: vars.CLERK_SECRET_KEYS,
    SEALING_KEYS: vars.SEALING_KEYS,
  };
}

/**
 * Spawns `node_modules/wrangler/bin/wrangler.js` with the Node that runs us (under npm scripts, the project's
 * Node 22), never through npx, whose wrapper would leave workerd running when killed.
 */
function spawnWrangler(
  ctx: WranglerContext,
  args: string[],
  groupLeader: boolean,
  echo?: (text: string, stream: "stdout" | "stderr") => void,
): SpawnedChild {
  const bin = join(ctx.root, "node_modules", "wrangler", "bin", "wrangler.js");
  return spawnChild(process.execPath, [bin, ...args], {
    cwd: ctx.root,
    env: ctx.env,
    groupLeader,
    ...(echo ? { echo } : {}),
  });
}

/** A one-shot wrangler command; resolves with its output, throws with its output when it fails. */
export async function runWrangler(ctx: WranglerContext, args: string[]): Promise<string> {
  const run = spawnWrangler(ctx, args, false);
  const onAbort = () => run.child.kill("SIGTERM");
  ctx.signal?.addEventListener("abort", onAbort, { once: true });
  const { code, signal } = await run.exited.finally(() => ctx.signal?.removeEventListener("abort", onAbort));
  ctx.signal?.throwIfAborted();
  if (code !== 0) {
    throw new Error(
      `wrangler ${args.slice(0, 3).join(" ")} failed (${signal ?? `exit ${code}`}):\n${run.output().slice(-ERROR_OUTPUT_CHARS)}`,
    );
  }
  return run.output();
}

/** What `wrangler dev` serves, and where. */
export interface WranglerDevOptions {
  port: number;
  inspectorPort: number;
  persistTo: string;
  /** Passed as `--var NAME:VALUE`. */
  vars: Record<string, string>;
  /** The Worker's entry in place of wrangler.toml's `main`. */
  main: string | undefined;
  /** Serve `main` as it is (`--no-bundle`). */
  noBundle: boolean;
  /** `--test-scheduled`: `GET /__scheduled?cron=...` runs the scheduled handler (wrangler dev runs no cron itself). */
  testScheduled: boolean;
}

/**
 * `wrangler dev` on loopback, leading its own process group so the whole tree can be stopped together. Its output is
 * kept, also printed while `echo()` says so, and handed to `onOutput` piece by piece.
 */
export function startWranglerDev(
  ctx: WranglerContext,
  options: WranglerDevOptions,
  echo: () => boolean,
  onOutput?: (text: string) => void,
): SpawnedChild {
  const args = [
    "dev",
    // With a script argument wrangler looks for its config beside the script, so it is named outright.
    ...(options.main === undefined ? [] : [options.main, "--config", join(ctx.root, "wrangler.toml")]),
    ...(options.noBundle ? ["--no-bundle"] : []),
    ...(options.testScheduled ? ["--test-scheduled"] : []),
    "--ip",
    LOOPBACK,
    "--port",
    String(options.port),
    "--inspector-ip",
    LOOPBACK,
    "--inspector-port",
    String(options.inspectorPort),
    "--persist-to",
    options.persistTo,
    "--show-interactive-dev-session=false",
    ...Object.entries(options.vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
  ];
  return spawnWrangler(ctx, args, true, (text, stream) => {
    if (echo()) process[stream].write(text);
    onOutput?.(text);
  });
}

/** Resolves once the Worker at `url` answers `/health`; throws with wrangler's output if it exits or times out. */
export async function waitForHealth(
  url: string,
  { exited, output }: SpawnedChild,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  let gone: Awaited<SpawnedChild["exited"]> | undefined;
  void exited.then((e) => {
    gone = e;
  });
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    signal?.throwIfAborted();
    if (gone) {
      throw new Error(
        `wrangler dev exited (${gone.signal ?? `exit ${gone.code}`}) before it was ready:\n${output().slice(-ERROR_OUTPUT_CHARS)}`,
      );
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(HEALTH_PROBE_TIMEOUT_MS) });
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, HEALTH_POLL_MS));
  }
  throw new Error(
    `wrangler dev did not answer ${url}/health within ${timeoutMs} ms:\n${output().slice(-ERROR_OUTPUT_CHARS)}`,
  );
}
