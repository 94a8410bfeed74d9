/**
 * @module
 * Bundle size and start-up. Size: `wrangler deploy --dry-run` (what would be uploaded: minified total and gzip),
 * with esbuild's metafile to name what fills it. Start-up: the dry-run bundle loaded into a fresh Miniflare
 * (workerd) and timed from construction to the first `/health` answer, interleaved with a hello-world Worker
 * started the same way; the difference is what the Worker itself adds (parse, top-level evaluation). The bundle
 * is kept for the caller: the other measures serve exactly this file.
 */
import { type NodeRuntime, node } from "../dev/node-runtime.ts";
import { runLoad } from "./load.ts";
import { runNodeScript } from "./run-node-script.ts";
import { median } from "./stats.ts";

export const BUNDLE_BUDGET_GZIP_KIB = 64;
/** A dry run takes ~2.5 s; this is a hang. */
const DRY_RUN_TIMEOUT_MS = 120_000;
/** One Miniflare start takes well under a second; this is a hang. */
const START_TIMEOUT_MS = 30_000;

export interface BundleContributor {
  /** A package (`@clerk/backend`) or a source folder (`src/revocation`). */
  name: string;
  minifiedBytes: number;
}

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

/** The gzip size the bundle would have with one dependency replaced by a stub: what dropping it would save. */
export interface WithoutEstimate {
  /** What was stubbed out, e.g. `standardwebhooks`. */
  without: string;
  gzipKiB: number;
}

/**
 * Dependencies worth pricing when the bundle is over budget, each with a stub carrying the names src/ imports.
 * A stub that no longer fits src/ makes esbuild fail; that estimate is then skipped, not the run.
 */
const STUBS: { without: string; aliases: string[]; code: string }[] = [
  {
    without: "standardwebhooks (HMAC on WebCrypto instead)",
    aliases: ["standardwebhooks"],
    code:
      "export class Webhook { sign() { return ''; } verify() { return {}; } }\n" +
      "export class WebhookVerificationError extends Error {}\n",
  },
  {
    without: "@clerk/backend (a two-call fetch client instead)",
    aliases: ["@clerk/backend", "@clerk/backend/errors"],
    code:
      "export function createClerkClient() { return {}; }\n" +
      "export function isClerkAPIResponseError() { return false; }\n",
  },
];

export interface BundleResult {
  minifiedKiB: number;
  gzipKiB: number;
  contributors: BundleContributor[];
  /** Filled only when the bundle is over budget. */
  estimates: WithoutEstimate[];
  startup: StartupResult;
  bareHealth: BareHealth;
  /** The bundle as built, or its default-only copy when workerd refuses it: a single file that starts. */
  workerScript: string;
}

interface MiniflareInstance {
  ready: Promise<URL>;
  dispatchFetch(url: string): Promise<{ status: number; text(): Promise<string> }>;
  dispose(): Promise<void>;
}
interface MiniflareModule {
  Miniflare: new (options: unknown) => MiniflareInstance;
  convertV4MiniflareOptions(options: Record<string, unknown>): unknown;
}
/** Installed with wrangler and the vitest plugin; its v5 options are converted from the v4 shape. */
const MINIFLARE = "miniflare";

const HELLO_WORLD = 'export default { fetch() { return new Response("ok"); } };\n';

/**
 * Dry-runs the deploy into `outdir` (the caller's, kept so the bundle can be served afterwards), reads the
 * sizes, then times start-up `runs` times each against a hello-world Worker.
 */
export async function measureBundle(
  root: string,
  outdir: string,
  options: { runs: number; bareHealthMs: number; connections: number; estimate: boolean },
): Promise<BundleResult> {
  const rt = await node();
  const text = await dryRun(rt, root, outdir);
  const sizes = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(text);
  if (!sizes) throw new Error(`wrangler's dry run printed no "Total Upload" line:\n${text.slice(-2000)}`);
  const contributors = parseMetafile(await rt.fs.readFile(rt.path.join(outdir, "meta.json"), "utf8"));
  const gzipKiB = Number(sizes[2]);
  const overBudget = gzipKiB >= BUNDLE_BUDGET_GZIP_KIB;
  const estimates = overBudget && options.estimate ? await estimateWithout(rt, root, outdir) : [];
  const compatibilityDate = await readCompatibilityDate(rt, root);
  await rt.fs.writeFile(rt.path.join(outdir, "hello.js"), HELLO_WORLD);
  const bundle = await rt.fs.readFile(rt.path.join(outdir, "index.js"), "utf8");
  const defaultOnly = defaultOnlyExports(bundle);
  if (defaultOnly !== undefined) await rt.fs.writeFile(rt.path.join(outdir, "worker.js"), defaultOnly);
  const startup = await measureStartup(outdir, compatibilityDate, options.runs, defaultOnly !== undefined);
  const script = startup.rawBundleError === undefined ? "index.js" : "worker.js";
  const bareHealth = await measureBareHealth(outdir, script, compatibilityDate, options);
  return {
    minifiedKiB: Number(sizes[1]),
    gzipKiB,
    contributors,
    estimates,
    startup,
    bareHealth,
    workerScript: rt.path.join(outdir, script),
  };
}

/** One dry run per stub, each into its own directory under `outdir`. */
async function estimateWithout(rt: NodeRuntime, root: string, outdir: string): Promise<WithoutEstimate[]> {
  const out: WithoutEstimate[] = [];
  for (const [i, stub] of STUBS.entries()) {
    const dir = rt.path.join(outdir, `without-${i}`);
    await rt.fs.mkdir(dir, { recursive: true });
    const file = rt.path.join(dir, "stub.js");
    await rt.fs.writeFile(file, stub.code);
    try {
      const text = await dryRun(
        rt,
        root,
        dir,
        stub.aliases.flatMap((name) => ["--alias", `${name}:${file}`]),
      );
      const gzip = /gzip: ([\d.]+) KiB/.exec(text)?.[1];
      if (gzip !== undefined) out.push({ without: stub.without, gzipKiB: Number(gzip) });
    } catch {
      // The stub no longer matches what src/ imports: no estimate for this one.
    }
  }
  return out;
}

/**
 * The bundle with its final `export {…}` cut down to the default export, or `undefined` when it has no other
 * export (or no such clause). workerd takes every named export of the main module for an entrypoint.
 */
export function defaultOnlyExports(code: string): string | undefined {
  const clause = /export\s*\{([^}]*)\}\s*;?(\s*\/\/# sourceMappingURL=[^\n]*)?\s*$/.exec(code);
  if (!clause) return undefined;
  const names = (clause[1] ?? "").split(",").map((n) => n.trim());
  const defaultName = names.find((n) => /\bas default$/.test(n));
  if (defaultName === undefined || names.length === 1) return undefined;
  return `${code.slice(0, clause.index)}export{${defaultName}};${clause[2] ?? ""}\n`;
}

async function dryRun(rt: NodeRuntime, root: string, outdir: string, extra: string[] = []): Promise<string> {
  const bin = rt.path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");
  const args = [
    "deploy",
    "--dry-run",
    "--outdir",
    outdir,
    "--metafile",
    rt.path.join(outdir, "meta.json"),
    ...extra,
  ];
  const { code, output: text } = await runNodeScript(rt, {
    cwd: root,
    script: bin,
    args,
    env: { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    timeoutMs: DRY_RUN_TIMEOUT_MS,
  });
  if (code !== 0) throw new Error(`wrangler deploy --dry-run failed (exit ${code}):\n${text.slice(-2000)}`);
  return text;
}

/** Minified bytes per package (`node_modules/<pkg>`) or source folder (`src/<folder>`), largest first. */
export function parseMetafile(json: string): BundleContributor[] {
  const meta = JSON.parse(json) as {
    outputs?: Record<string, { inputs?: Record<string, { bytesInOutput?: number }> }>;
  };
  const output = Object.entries(meta.outputs ?? {}).find(([name]) => name.endsWith(".js"))?.[1];
  const totals = new Map<string, number>();
  for (const [file, input] of Object.entries(output?.inputs ?? {})) {
    const name = contributorOf(file);
    totals.set(name, (totals.get(name) ?? 0) + (input.bytesInOutput ?? 0));
  }
  return [...totals]
    .map(([name, minifiedBytes]) => ({ name, minifiedBytes }))
    .sort((a, b) => b.minifiedBytes - a.minifiedBytes);
}

function contributorOf(file: string): string {
  const inModules = file.lastIndexOf("node_modules/");
  if (inModules >= 0) {
    const parts = file.slice(inModules + "node_modules/".length).split("/");
    return parts.slice(0, parts[0]?.startsWith("@") ? 2 : 1).join("/");
  }
  const parts = file.split("/");
  return parts.length > 2 ? parts.slice(0, 2).join("/") : file;
}

async function readCompatibilityDate(rt: NodeRuntime, root: string): Promise<string> {
  const toml = await rt.fs.readFile(rt.path.join(root, "wrangler.toml"), "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (date === undefined) throw new Error("wrangler.toml has no compatibility_date");
  return date;
}

async function loadMiniflare(): Promise<MiniflareModule> {
  return (await import(/* @vite-ignore */ MINIFLARE)) as MiniflareModule;
}

function miniflareOptions(mod: MiniflareModule, dir: string, script: string, compatibilityDate: string) {
  return mod.convertV4MiniflareOptions({
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

/** Closed-loop `/health` load on the bundle in a bare Miniflare, for comparison with `wrangler dev`'s. */
async function measureBareHealth(
  dir: string,
  script: string,
  compatibilityDate: string,
  options: { bareHealthMs: number; connections: number },
): Promise<BareHealth> {
  const mod = await loadMiniflare();
  const mf = new mod.Miniflare(miniflareOptions(mod, dir, script, compatibilityDate));
  try {
    const url = await withTimeout(mf.ready, START_TIMEOUT_MS);
    const health = { url: new URL("/health", url).toString(), method: "GET" as const, expectStatus: 200 };
    const common = { connections: options.connections, maxRequests: 1_000_000 };
    await runLoad({ ...health, ...common, durationMs: Math.min(1_000, options.bareHealthMs) });
    const result = await runLoad({ ...health, ...common, durationMs: options.bareHealthMs });
    if (result.errors > 0) throw new Error(`bare /health: ${result.errors} failed (${result.firstError})`);
    return { perSecond: result.perSecond, connections: options.connections };
  } finally {
    await mf.dispose().catch(() => undefined);
  }
}

async function measureStartup(
  dir: string,
  compatibilityDate: string,
  runs: number,
  haveDefaultOnly: boolean,
): Promise<StartupResult> {
  const mod = await loadMiniflare();
  const startOnce = async (script: string): Promise<number> => {
    const started = performance.now();
    const mf = new mod.Miniflare(miniflareOptions(mod, dir, script, compatibilityDate));
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
