/**
 * @module
 * The deploy bundle in a bare Miniflare (workerd, no `wrangler dev` in front): how long it takes to start, timed
 * from construction to the first `/health` answer and interleaved with a hello-world Worker started the same way,
 * and how many `/health` requests per second the runtime itself serves. Both are baselines for the measures
 * taken under `wrangler dev`.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { runLoad } from "./load.ts";
import { median } from "./stats.ts";

/** One Miniflare start takes well under a second; this is a hang. */
const START_TIMEOUT_MS = 30_000;
/** The bare `/health` load's warm-up, at most: JIT and the first connections. */
const WARMUP_MS = 1_000;
/** Caps the bare `/health` round, whatever its duration: far above what loopback can do in a few seconds. */
const MAX_REQUESTS = 1_000_000;

const HELLO_WORLD = 'export default { fetch() { return new Response("ok"); } };\n';

export interface StartupResult {
  runs: number;
  workerMs: number[];
  baselineMs: number[];
  workerMedianMs: number;
  baselineMedianMs: number;
  /**
   * workerd refused the dry-run bundle as it is (the message), so start-up was timed on a copy whose final
   * `export {…}` keeps only the default. Undefined when the bundle started as is.
   */
  rawBundleError?: string;
}

/** `/health` on the bare bundle in Miniflare, no `wrangler dev` in front: what the runtime itself serves. */
export interface BareHealth {
  perSecond: number;
  connections: number;
}

/**
 * Times `runs` starts of `dir/index.js` against as many of a hello-world Worker, interleaved. When workerd refuses
 * index.js and `haveDefaultOnly` says `dir/worker.js` holds its default-only copy, that copy is timed instead.
 */
export async function measureStartup(
  dir: string,
  compatibilityDate: string,
  runs: number,
  haveDefaultOnly: boolean,
): Promise<StartupResult> {
  await writeFile(path.join(dir, "hello.js"), HELLO_WORLD);
  const startOnce = async (script: string): Promise<number> => {
    const started = performance.now();
    const mf = new Miniflare(miniflareOptions(dir, script, compatibilityDate));
    try {
      const response = await withTimeout(
        mf.ready.then(() => mf.dispatchFetch("http://127.0.0.1/health")),
        START_TIMEOUT_MS,
      );
      await response.text();
      if (response.status !== 200) throw new Error(`${script}: /health answered ${response.status}`);
      return performance.now() - started;
    } finally {
      await mf.dispose().catch(() => undefined);
    }
  };

  let rawBundleError: string | undefined;
  let entry = "index.js";
  try {
    await startOnce(entry);
  } catch (error) {
    rawBundleError = firstLine(error);
    if (!haveDefaultOnly) throw error;
    entry = "worker.js";
    await startOnce(entry);
  }
  await startOnce("hello.js");

  const workerMs: number[] = [];
  const baselineMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    baselineMs.push(await startOnce("hello.js"));
    workerMs.push(await startOnce(entry));
  }
  return {
    runs,
    workerMs,
    baselineMs,
    workerMedianMs: median(workerMs),
    baselineMedianMs: median(baselineMs),
    ...(rawBundleError === undefined ? {} : { rawBundleError }),
  };
}

/** Closed-loop `/health` load on `dir/script` in a bare Miniflare, for comparison with `wrangler dev`'s. */
export async function measureBareHealth(
  dir: string,
  script: string,
  compatibilityDate: string,
  options: { bareHealthMs: number; connections: number },
): Promise<BareHealth> {
  const mf = new Miniflare(miniflareOptions(dir, script, compatibilityDate));
  try {
    const url = await withTimeout(mf.ready, START_TIMEOUT_MS);
    const health = { url: new URL("/health", url).toString(), method: "GET" as const, expectStatus: 200 };
    const common = { connections: options.connections, maxRequests: MAX_REQUESTS };
    await runLoad({ ...health, ...common, durationMs: Math.min(WARMUP_MS, options.bareHealthMs) });
    const result = await runLoad({ ...health, ...common, durationMs: options.bareHealthMs });
    if (result.errors > 0) throw new Error(`bare /health: ${result.errors} failed (${result.firstError})`);
    return { perSecond: result.perSecond, connections: options.connections };
  } finally {
    await mf.dispose().catch(() => undefined);
  }
}

/** Miniflare 5 takes its options in a new shape; the v4 shape, converted, says the same in fewer lines. */
function miniflareOptions(dir: string, script: string, compatibilityDate: string) {
  return convertV4MiniflareOptions({
    modules: [{ type: "ESModule", path: `${dir}/${script}` }],
    // Module names are paths under this root; the default (the cwd) cannot reach a temporary directory.
    modulesRoot: dir,
    compatibilityDate,
    host: "127.0.0.1",
    port: 0,
    // Kept from the console; nothing here needs them.
    handleStructuredLogs: () => {},
  });
}

/** The line of workerd's refusal that says why (`Uncaught …`), or the error's first line. */
function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const uncaught = /Uncaught [^\n"]*/.exec(text)?.[0];
  return uncaught ?? text.split("\n")[0] ?? text;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    if (timer !== null) clearTimeout(timer);
  });
}
