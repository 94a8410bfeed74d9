/**
 * @module
 * The deploy bundle: its size from `wrangler deploy --dry-run` (what would be uploaded: minified total and gzip),
 * esbuild's metafile to name what fills it, and when it is over budget a dry run per heavy dependency with a stub
 * in its place. Then the same bundle's start-up and bare `/health` in Miniflare (bench/bare-miniflare.ts). The
 * bundle is kept for the caller: the other measures serve exactly this file.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import * as v from "valibot";
import { type BareHealth, measureBareHealth, measureStartup, type StartupResult } from "./bare-miniflare.ts";
import { BUNDLE_BUDGET_GZIP_KIB } from "./budget-limits.ts";
import { runNodeScript } from "./run-node-script.ts";

/** A dry run takes ~2.5 s; this is a hang. */
const DRY_RUN_TIMEOUT_MS = 120_000;

export interface BundleContributor {
  /** A package (`@clerk/backend`) or a source folder (`src/use-cases`). */
  name: string;
  minifiedBytes: number;
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

/**
 * Dry-runs the deploy into `outdir` (the caller's, kept so the bundle can be served afterwards), reads the
 * sizes, then times start-up `runs` times each against a hello-world Worker.
 */
export async function measureBundle(
  root: string,
  outdir: string,
  options: { runs: number; bareHealthMs: number; connections: number; estimate: boolean },
): Promise<BundleResult> {
  const text = await dryRun(root, outdir);
  const sizes = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(text);
  if (!sizes) throw new Error(`wrangler's dry run printed no "Total Upload" line:\n${text.slice(-2000)}`);
  const contributors = parseMetafile(await readFile(path.join(outdir, "meta.json"), "utf8"));
  const gzipKiB = Number(sizes[2]);
  const overBudget = gzipKiB >= BUNDLE_BUDGET_GZIP_KIB;
  const estimates = overBudget && options.estimate ? await estimateWithout(root, outdir) : [];
  const compatibilityDate = await readCompatibilityDate(root);
  const bundle = await readFile(path.join(outdir, "index.js"), "utf8");
  const defaultOnly = defaultOnlyExports(bundle);
  if (defaultOnly !== undefined) await writeFile(path.join(outdir, "worker.js"), defaultOnly);
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
    workerScript: path.join(outdir, script),
  };
}

/**
 * Bundles `entry`, a Worker entry in place of wrangler.toml's `main` (bindings and settings still from wrangler.toml),
 * with the same deploy dry run into `outdir`; resolves with the built file.
 */
export async function buildEntry(root: string, entry: string, outdir: string): Promise<string> {
  await mkdir(outdir, { recursive: true });
  await dryRun(root, outdir, [entry]);
  return path.join(outdir, `${path.basename(entry, path.extname(entry))}.js`);
}

/** One dry run per stub, each into its own directory under `outdir`. */
async function estimateWithout(root: string, outdir: string): Promise<WithoutEstimate[]> {
  const out: WithoutEstimate[] = [];
  for (const [i, stub] of STUBS.entries()) {
    const dir = path.join(outdir, `without-${i}`);
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, "stub.js");
    await writeFile(file, stub.code);
    try {
      const text = await dryRun(
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

async function dryRun(root: string, outdir: string, extra: string[] = []): Promise<string> {
  const bin = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");
  const args = [
    "deploy",
    "--dry-run",
    "--outdir",
    outdir,
    "--metafile",
    path.join(outdir, "meta.json"),
    ...extra,
  ];
  const { code, output: text } = await runNodeScript({
    cwd: root,
    script: bin,
    args,
    env: { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    timeoutMs: DRY_RUN_TIMEOUT_MS,
  });
  if (code !== 0) throw new Error(`wrangler deploy --dry-run failed (exit ${code}):\n${text.slice(-2000)}`);
  return text;
}

/** The part of esbuild's metafile read here: for each output file, the bytes each input put into it. */
const MetafileSchema = v.object({
  outputs: v.optional(
    v.record(
      v.string(),
      v.object({
        inputs: v.optional(v.record(v.string(), v.object({ bytesInOutput: v.optional(v.number()) }))),
      }),
    ),
  ),
});

/** Minified bytes per package (`node_modules/<pkg>`) or source folder (`src/<folder>`), largest first. */
export function parseMetafile(json: string): BundleContributor[] {
  const meta = v.parse(MetafileSchema, JSON.parse(json));
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

async function readCompatibilityDate(root: string): Promise<string> {
  const toml = await readFile(path.join(root, "wrangler.toml"), "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (date === undefined) throw new Error("wrangler.toml has no compatibility_date");
  return date;
}
