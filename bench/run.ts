/**
 * @module
 * `npm run bench` (`node bench/run.ts`): autorevoke against its budgets (issue 5), each measure next to a baseline
 * taken in the same run — overhead against `/health`, time to answer and to revoke against the 6-connection
 * bound, bundle size and start-up against a hello-world Worker, CPU per alert against `JSON.parse`. Prints a
 * table; a full run writes bench/RESULTS.md and bench/latency.svg.
 *
 * `--smoke` is the quick version `npm test` runs: batches of 1 and 10, 1-second rounds, few CPU iterations, no
 * files written. It fails only on a crash or a wrong result, never on a timing budget: those are noisy on a
 * shared CI machine. Everything runs on 127.0.0.1; every loop is bounded in count and time.
 */
import { type LocalStack, repoRoot, startLocalStack } from "../dev/local-stack.ts";
import { node } from "../dev/node-runtime.ts";
import { type BatchResult, measureBatch } from "./batches.ts";
import { measureBundle } from "./bundle.ts";
import { measureCpu } from "./cpu.ts";
import { describeMachine } from "./machine.ts";
import { measureOverhead, type OverheadOptions } from "./overhead.ts";
import { renderLatencySvg } from "./plot.ts";
import {
  type BenchResults,
  consoleReport,
  evaluateBudgets,
  GITHUB_DEADLINE_MS,
  resultsMarkdown,
} from "./report.ts";

/** Clerk latency of the batch measures (issue 5). */
const CLERK_LATENCY_MS = 50;

const PLANS = {
  full: {
    batches: [1, 10, 100, 1_000, 10_000],
    overhead: { rounds: 3, roundMs: 3_000, warmupMs: 1_000, connections: 16 },
    startupRuns: 5,
  },
  smoke: {
    batches: [1, 10],
    overhead: { rounds: 3, roundMs: 1_000, warmupMs: 300, connections: 16 },
    startupRuns: 1,
  },
} satisfies Record<string, { batches: number[]; overhead: OverheadOptions; startupRuns: number }>;

const HELP = `Usage: node bench/run.ts [--smoke]

  (no option)  the full bench (~5 minutes): writes bench/RESULTS.md and bench/latency.svg
  --smoke      quick check for npm test: batches of 1 and 10, short rounds, no files written;
               fails only on a crash or a wrong result, not on timing budgets
`;

const rt = await node();
const { process } = rt;
const parsed = rt.util.parseArgs({
  args: process.argv.slice(2),
  options: { smoke: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  strict: true,
});
if (parsed.values.help === true) {
  process.stdout.write(HELP);
  process.exit(0);
}
const smoke = parsed.values.smoke === true;
// Five minutes of load on shared runners, and files written: the full bench is for a quiet machine, not CI.
if (!smoke && process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false") {
  process.stderr.write("bench: the full bench does not run in CI (CI is set); `--smoke` does.\n");
  process.exit(2);
}
const plan = smoke ? PLANS.smoke : PLANS.full;
const root = await repoRoot();
const started = performance.now();
const progress = (message: string) =>
  process.stderr.write(`bench [${((performance.now() - started) / 1000).toFixed(0)} s] ${message}\n`);

let stack: LocalStack | undefined;
// The deploy dry run's output: measured for size, then served as it is to every other measure.
const outdir = await rt.fs.mkdtemp(rt.path.join(rt.os.tmpdir(), "autorevoke-bench-"));
// Ctrl-C: stop wrangler and the stand-ins before leaving (local-stack's exit hook is the last resort).
const onSignal = (signal: string) => {
  progress(`${signal}: stopping`);
  void (stack?.stop() ?? Promise.resolve())
    .then(() => rt.fs.rm(outdir, { recursive: true, force: true }))
    .finally(() => process.exit(130));
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

let failed = false;
try {
  const findings: string[] = [];
  // CPU and bundle first, while nothing else competes for the cores.
  progress(`CPU per alert in workerd (${smoke ? "smoke" : "full"})…`);
  const cpu = await measureCpu(root, smoke);
  progress("bundle: deploy dry run, then start-up in Miniflare…");
  const bundle = await measureBundle(root, outdir, {
    runs: plan.startupRuns,
    bareHealthMs: plan.overhead.roundMs,
    connections: plan.overhead.connections,
    // Pricing each dependency takes two more dry runs: full runs only.
    estimate: !smoke,
  });
  if (bundle.startup.rawBundleError !== undefined) {
    failed = true;
    findings.push(
      `workerd refuses the deploy bundle as it is: "${bundle.startup.rawBundleError}" Every named export of ` +
        "the main module must be a handler, and src/index.ts exports the string `DEAD_LETTER_QUEUE_SUFFIX`, so " +
        "`wrangler dev` (`npm start`) fails to start too, and Cloudflare validates uploads in the same runtime " +
        "(workers-sdk issue 10626). Everything here was measured on a copy of the bundle whose final `export {…}` " +
        "keeps only the default. Fix: stop exporting the constant from src/index.ts (move it to " +
        "src/revocation/dead-letters.ts).",
    );
  }

  progress("starting wrangler dev on the built bundle, with a fresh D1 and the stand-ins…");
  stack = await startLocalStack({
    quiet: true,
    clerkLatencyMs: 0,
    seedDemo: false,
    // The upload itself, not a rebuild from src/: nothing an edit elsewhere does can reload it mid-run.
    main: bundle.workerScript,
    noBundle: true,
  });
  progress(
    `overhead: ${plan.overhead.rounds} × (/health ${plan.overhead.roundMs / 1000} s, alert ${plan.overhead.roundMs / 1000} s)…`,
  );
  const overhead = await measureOverhead(stack, plan.overhead);
  const batches: BatchResult[] = [];
  for (const keys of plan.batches) {
    progress(`batch of ${keys.toLocaleString("en-US")} live keys at ${CLERK_LATENCY_MS} ms…`);
    try {
      batches.push(await measureBatch(stack, keys, CLERK_LATENCY_MS));
    } catch (error) {
      // One failed batch is reported; the others still run.
      failed = true;
      findings.push(`batch of ${keys} failed: ${error instanceof Error ? error.message : String(error)}`);
      progress(`batch of ${keys} failed`);
    }
  }
  await stack.stop();
  stack = undefined;

  const results: BenchResults = {
    smoke,
    date: new Date(),
    machine: await describeMachine(root),
    latencyMs: CLERK_LATENCY_MS,
    overhead,
    batches,
    bundle,
    cpu,
  };
  const checks = evaluateBudgets(results);
  process.stdout.write(consoleReport(results, checks, findings));

  if (!smoke && batches.length > 0) {
    const m = results.machine;
    const svg = renderLatencySvg(batches, {
      latencyMs: CLERK_LATENCY_MS,
      deadlineMs: GITHUB_DEADLINE_MS,
      subtitle: `${m.cores} × ${m.cpu}, ${results.date.toISOString().slice(0, 10)}`,
    });
    await rt.fs.writeFile(rt.path.join(root, "bench", "latency.svg"), svg);
    await rt.fs.writeFile(
      rt.path.join(root, "bench", "RESULTS.md"),
      resultsMarkdown(results, checks, findings),
    );
    progress("wrote bench/RESULTS.md and bench/latency.svg");
  }
  // A bundle the runtime refuses or a wrong or missing revocation is a failure, not a slow number.
  process.exitCode = failed ? 1 : 0;
  progress(`done${failed ? ", with failures: see FINDING above" : ""}`);
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
  process.exitCode = 1;
} finally {
  await stack?.stop();
  await rt.fs.rm(outdir, { recursive: true, force: true });
}
