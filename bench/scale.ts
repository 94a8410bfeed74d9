/**
 * @module
 * The incident log at scale (issue 24): `npm run bench -- --scale`. For each size (10,000, 100,000 and 1,000,000
 * incidents; 10,000 alone in `--smoke`) a fresh local D1 on disk gets the migrations and a generated year of log
 * (test/support/scale.ts: issue 24's mix, two sightings each, none of them erased yet: an erasure backlog), and
 * every path is run once over it through the real adapters, in workerd (bench/scale.worker.ts). Reported per path:
 * D1's own `rows_read` and `rows_written`, and the time. Then the sweeps it takes the cron to clear the backlog
 * (erasure, false positives past retention, old attempts), the database's size before and after, and one steady
 * sweep. The figure that matters: rows per page stay flat while the log grows 100-fold.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { readD1Migrations } from "@cloudflare/vitest-plugin";
import { build } from "esbuild";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";

/** What a path cost (test/support/scale.ts's PathCost, as JSON). */
export interface PathCost {
  path: string;
  rowsRead: number;
  rowsWritten: number;
  statements: number;
  ms: number;
  tokens?: number;
}

/** One size's measures. */
export interface ScaleResult {
  incidents: number;
  seedMs: number;
  paths: PathCost[];
  bytesBefore: number;
  bytesAfter: number;
  cleared: {
    sweeps: number;
    erased: number;
    deleted: number;
    trimmed: number;
    slowestStatementMs: number;
    firstSweep: PathCost;
    cost: PathCost;
  };
  steadySweep: PathCost;
}

export const SCALE_SIZES = { full: [10_000, 100_000, 1_000_000], smoke: [10_000] } as const;
/** Incidents generated per request: each is one D1 batch of generated rows. */
const SEED_STEP = 100_000;
/** Sweeps allowed to clear a backlog before the bench calls it stuck: the cron's 5-minute runs of 3.5 days. */
const MAX_SWEEPS = 1_000;

/** Measures each size in turn; `progress` hears what is happening. */
export async function measureScale(
  root: string,
  sizes: readonly number[],
  progress: (message: string) => void,
): Promise<ScaleResult[]> {
  const scratch = await mkdtemp(path.join(tmpdir(), "autorevoke-scale-"));
  try {
    const script = path.join(scratch, "worker.js");
    await build({
      entryPoints: [path.join(root, "bench/scale.worker.ts")],
      bundle: true,
      format: "esm",
      platform: "neutral",
      mainFields: ["module", "main"],
      external: ["cloudflare:workers"],
      outfile: script,
      logLevel: "error",
    });
    const migrations = await readD1Migrations(path.join(root, "migrations"));
    const results: ScaleResult[] = [];
    for (const incidents of sizes) {
      results.push(await measureSize(scratch, script, migrations, incidents, progress));
    }
    return results;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function measureSize(
  scratch: string,
  script: string,
  migrations: unknown,
  incidents: number,
  progress: (message: string) => void,
): Promise<ScaleResult> {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: [{ type: "ESModule", path: script }],
      modulesRoot: scratch,
      compatibilityDate: "2026-11-01",
      // Miniflare keeps the database in a SQLite file of its own temporary directory, on disk as D1 is, and
      // removes it on dispose.
      d1Databases: { DB: "autorevoke-scale" },
    }),
  );
  const now = Date.now();
  const call = async <T>(route: string, body: Record<string, unknown> = {}): Promise<T> => {
    const res = await mf.dispatchFetch(`http://scale${route}`, {
      method: "POST",
      body: JSON.stringify({ now, ...body }),
      headers: { "content-type": "application/json" },
    });
    if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const label = incidents.toLocaleString("en-US");
  try {
    await call("/migrate", { migrations });
    const seedStarted = performance.now();
    for (let from = 0; from < incidents; from += SEED_STEP) {
      const to = Math.min(incidents, from + SEED_STEP);
      progress(
        `scale ${label}: generating incidents ${from.toLocaleString("en-US")}–${to.toLocaleString("en-US")}…`,
      );
      await call("/seed", { from, to, total: incidents, erased: false });
    }
    const seedMs = performance.now() - seedStarted;
    const { bytes: bytesBefore } = await call<{ bytes: number }>("/size");
    progress(`scale ${label}: every path once…`);
    const paths = await call<PathCost[]>("/paths");
    progress(`scale ${label}: sweeping until the erasure and retention backlog is gone…`);
    const cleared = await call<ScaleResult["cleared"]>("/clear", { maxSweeps: MAX_SWEEPS });
    const { bytes: bytesAfter } = await call<{ bytes: number }>("/size");
    const steadySweep = await call<PathCost>("/sweep");
    return { incidents, seedMs, paths, bytesBefore, bytesAfter, cleared, steadySweep };
  } finally {
    await mf.dispose();
  }
}

const n = (x: number) => Math.round(x).toLocaleString("en-US");
const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(0)} MB`;

/** The scale table as Markdown: a row per path, rows read / written and ms at each size. */
export function scaleMarkdown(results: readonly ScaleResult[]): string {
  const sizes = results.map((r) => n(r.incidents));
  const header = `| path | ${sizes.map((s) => `rows read at ${s}`).join(" | ")} | ${sizes.map((s) => `written / ms at ${s}`).join(" | ")} |`;
  const rule = `|---|${results.map(() => "---:|").join("")}${results.map(() => "---:|").join("")}`;
  const names = results[0]?.paths.map((p) => p.path) ?? [];
  const row = (name: string, pick: (r: ScaleResult) => PathCost | undefined) =>
    `| ${name} | ${results.map((r) => n(pick(r)?.rowsRead ?? Number.NaN)).join(" | ")} | ${results
      .map((r) => {
        const c = pick(r);
        return c ? `${n(c.rowsWritten)} / ${c.ms.toFixed(0)}` : "–";
      })
      .join(" | ")} |`;
  const lines = [
    header,
    rule,
    ...names.map((name) => row(name, (r) => r.paths.find((p) => p.path === name))),
    row("the first sweep over the backlog", (r) => r.cleared.firstSweep),
    row("the whole sweep, steady (after the backlog)", (r) => r.steadySweep),
  ];
  const backlog = results.map(
    (r) =>
      `| ${n(r.incidents)} | ${n(r.cleared.erased)} | ${n(r.cleared.deleted)} | ${n(r.cleared.trimmed)} | ${r.cleared.sweeps} | ${r.cleared.slowestStatementMs.toFixed(0)} ms | ${(r.cleared.cost.ms / 1000).toFixed(0)} s | ${mb(r.bytesBefore)} | ${mb(r.bytesAfter)} | ${(r.seedMs / 1000).toFixed(0)} s |`,
  );
  return [
    ...lines,
    "",
    "| incidents | sightings erased | false positives deleted | attempts trimmed | sweeps to clear | slowest statement | all sweeps | database before | after | generating |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...backlog,
    "",
  ].join("\n");
}
