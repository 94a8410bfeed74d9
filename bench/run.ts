/**
 * @module
 * `npm run bench` (`node bench/run.ts`): autorevoke against its budgets (issues 5, 10 and 15), each measure next to a
 * baseline taken in the same run — overhead against `/health`, time to answer and to revoke against the 6-connection
 * bound, time to revoke a big leak at Clerk's rate limit against the rate bound, each path's time to revoke with D1
 * and Clerk at a distance against the same path at zero distance, bundle size and start-up against a hello-world
 * Worker, CPU per alert against `JSON.parse`. Prints a table; a full run writes bench/RESULTS.md and
 * bench/latency.svg.
 *
 * `--smoke` is the quick version `npm test` runs: batches of 1 and 10, 20 keys at 10 calls/s, one round of the
 * distance model, 1-second rounds, few CPU iterations, no files written. It fails only on a crash or a wrong result,
 * never on a timing budget: those are noisy on a shared CI machine. `--distance` runs the distance model alone and
 * writes nothing. Everything runs on 127.0.0.1; every loop is bounded in count and time.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { type LocalStack, repoRoot, startLocalStack } from "../dev/local-stack.ts";
import { type BatchResult, measureBatch } from "./batches.ts";
import { bigLeakReport, bigLeakVars, measureBigLeak } from "./big-leak.ts";
import { DISTANCE_BUDGET_FACTOR, GITHUB_DEADLINE_MS, RATE_BOUND_BUDGET_FACTOR } from "./budget-limits.ts";
import { evaluateBudgets } from "./budgets.ts";
import { buildEntry, measureBundle } from "./bundle.ts";
import { consoleReport, distanceReport } from "./console-report.ts";
import { measureCpu } from "./cpu.ts";
import { type DistancePlan, type DistanceResult, distanceVars, measureDistance } from "./distance.ts";
import { summarizeDistance } from "./distance-summary.ts";
import { describeMachine } from "./machine.ts";
import { MIXED_MARKERS, measureMixedLeak, mixedLeakMarkdown, mixedLeakSection } from "./mixed-leak.ts";
import { measureOverhead, type OverheadOptions } from "./overhead.ts";
import { renderLatencySvg } from "./plot.ts";
import { measureRateLimit, type RateLimitPlan, type RateLimitResult, rateLimitVars } from "./rate-limit.ts";
import type { BenchResults } from "./results.ts";
import { resultsMarkdown } from "./results-markdown.ts";
import { sectionOf, withSection } from "./results-sections.ts";
import { measureScale, SCALE_SIZES, scaleMarkdown } from "./scale.ts";
import { renderScaleSvg, scaleSection, scaleSectionOf, withScaleSection } from "./scale-report.ts";

/** Clerk latency of the batch measures (issue 5), and of Clerk in the distance model (issue 15). */
const CLERK_LATENCY_MS = 50;
/** D1's latency per round trip in the distance model: issue 15's example, a primary a region or so away. */
const DISTANCE_D1_LATENCY_MS = 30;
/**
 * `CLERK_RATE_LIMIT` (per 10 s) for every measure but the rate-limit one: high enough that the pacer never makes a
 * call wait, so the batches measure the 6-connection bound they are judged against, not Clerk's rate limit.
 */
const UNPACED_RATE_LIMIT = "1000000";

const PLANS = {
  full: {
    batches: [1, 10, 100, 1_000, 10_000],
    overhead: { rounds: 3, roundMs: 3_000, warmupMs: 1_000, connections: 16 },
    // Clerk's development limit (100 per 10 s); 500 keys make a 100 s bound. The example, 5,000 keys at the
    // production limit (1,000 per 10 s: 45 keys/s at the pacer's 90%), has the same bound, but this local stack
    // does not revoke 45 keys/s even unpaced (see the 1,000- and 10,000-key batches' queue rate), so it would
    // measure Miniflare's one-batch-at-a-time queue instead of the pace.
    rateLimit: { keys: 500, callsPerSecond: 10, latencyMs: CLERK_LATENCY_MS },
    // Seven rounds of eight alerts, about a minute: enough for medians to settle and the range to show the noise.
    distance: { rounds: 7, d1LatencyMs: DISTANCE_D1_LATENCY_MS, clerkLatencyMs: CLERK_LATENCY_MS },
    startupRuns: 5,
  },
  smoke: {
    batches: [1, 10],
    overhead: { rounds: 3, roundMs: 1_000, warmupMs: 300, connections: 16 },
    // Clerk's development limit (100 per 10 s), a 4 s bound.
    rateLimit: { keys: 20, callsPerSecond: 10, latencyMs: CLERK_LATENCY_MS },
    distance: { rounds: 1, d1LatencyMs: DISTANCE_D1_LATENCY_MS, clerkLatencyMs: CLERK_LATENCY_MS },
    startupRuns: 1,
  },
} satisfies Record<
  string,
  {
    batches: number[];
    overhead: OverheadOptions;
    rateLimit: RateLimitPlan;
    distance: DistancePlan;
    startupRuns: number;
  }
>;

const HELP = `Usage: node bench/run.ts [--smoke] [--distance]

  (no option)  the full bench (~10 minutes): writes bench/RESULTS.md and bench/latency.svg
  --smoke      quick check for npm test: batches of 1 and 10, 20 keys at 10 calls/s, one round of the distance
               model, short rounds, no files written; fails only on a crash or a wrong result, not on timing budgets
  --scale      the incident log at 10,000, 100,000 and 1,000,000 incidents (issue 24), about 10 minutes: D1's rows
               read and written by every page, alert and sweep, and the sweeps retention takes to catch up. Writes its
               section of bench/RESULTS.md and bench/scale.svg; 10,000 alone and nothing written with --smoke
  --big-leak   one alert of 2,000 live keys and 8,000 junk tokens at Clerk's production limit (100 calls/s, 20 ms a
               call; issue 24), about 3 minutes: time to the last revoke against the rate bound, and Clerk's call
               rate second by second. Writes nothing
  --mixed      one alert of every Clerk credential kind, live and junk, 20 of each (issue 25), about a minute:
               Clerk calls per operation against the fewest each kind needs, and what reading 100 machines'
               secret key hashes costs. Writes its section of bench/RESULTS.md; 2 of each and nothing written
               with --smoke (the smoke run does that pass itself)
  --distance   the distance model alone (D1 ${DISTANCE_D1_LATENCY_MS} ms, Clerk ${CLERK_LATENCY_MS} ms per call), about a minute;
               one round with --smoke. Prints its table and budgets, writes nothing
`;

const parsed = parseArgs({
  args: process.argv.slice(2),
  options: {
    smoke: { type: "boolean" },
    distance: { type: "boolean" },
    scale: { type: "boolean" },
    "big-leak": { type: "boolean" },
    mixed: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  strict: true,
});
if (parsed.values.help === true) {
  process.stdout.write(HELP);
  process.exit(0);
}
const smoke = parsed.values.smoke === true;
const distanceOnly = parsed.values.distance === true;
const scaleOnly = parsed.values.scale === true;
const bigLeakOnly = parsed.values["big-leak"] === true;
const mixedOnly = parsed.values.mixed === true;
/** The mix of a real leak: a full run's, and the smoke run's (which only shows every kind still ends right). */
const MIXED_PLANS = {
  full: { perKind: 20, clients: 4, machines: 100 },
  smoke: { perKind: 2, clients: 1, machines: 3 },
};
// Five minutes of load on shared runners, and files written: the full bench is for a quiet machine, not CI.
if (
  !smoke &&
  !distanceOnly &&
  process.env.CI !== undefined &&
  process.env.CI !== "" &&
  process.env.CI !== "false"
) {
  process.stderr.write("bench: the full bench does not run in CI (CI is set); `--smoke` does.\n");
  process.exit(2);
}
const plan = smoke ? PLANS.smoke : PLANS.full;
const root = await repoRoot();
const started = performance.now();
const progress = (message: string) =>
  process.stderr.write(`bench [${((performance.now() - started) / 1000).toFixed(0)} s] ${message}\n`);

/** Running stacks, stopped on Ctrl-C and at the end. */
const stacks = new Set<LocalStack>();
const stopStacks = () => Promise.all([...stacks].map((s) => s.stop())).then(() => stacks.clear());
// The deploy dry run's output: measured for size, then served as it is to every other measure.
const outdir = await mkdtemp(path.join(os.tmpdir(), "autorevoke-bench-"));
// Ctrl-C: stop wrangler and the stand-ins before leaving (local-stack's exit hook is the last resort).
const onSignal = (signal: string) => {
  progress(`${signal}: stopping`);
  void stopStacks()
    .then(() => rm(outdir, { recursive: true, force: true }))
    .finally(() => process.exit(130));
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

/**
 * The distance model on a Worker of its own: bench/distance-worker.js built by the deploy dry run beside the main
 * bundle, served by a fresh stack.
 */
async function runDistance(distancePlan: DistancePlan): Promise<DistanceResult> {
  progress(
    `distance model: D1 ${distancePlan.d1LatencyMs} ms, Clerk ${distancePlan.clerkLatencyMs} ms, ` +
      `${distancePlan.rounds} round(s) of 4 paths × 2 distances: building bench/distance-worker.js…`,
  );
  const script = await buildEntry(
    root,
    path.join(root, "bench", "distance-worker.js"),
    path.join(outdir, "distance"),
  );
  const stack = await startLocalStack({
    quiet: true,
    clerkLatencyMs: 0,
    seedDemo: false,
    main: script,
    noBundle: true,
    vars: { CLERK_RATE_LIMIT: UNPACED_RATE_LIMIT, ...distanceVars(distancePlan) },
  });
  stacks.add(stack);
  try {
    return await measureDistance(stack, distancePlan);
  } finally {
    await stack.stop();
    stacks.delete(stack);
  }
}

let failed = false;
try {
  if (distanceOnly) {
    process.stdout.write(distanceReport(await runDistance(plan.distance)));
    process.exitCode = 0;
    progress("done (nothing written: --distance)");
  } else if (scaleOnly) {
    await runScale();
  } else if (bigLeakOnly) {
    await runBigLeak();
  } else if (mixedOnly) {
    await runMixed();
  } else {
    await runAll();
  }
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
  process.exitCode = 1;
} finally {
  await stopStacks();
  await rm(outdir, { recursive: true, force: true });
}

/** The incident log at scale: printed, and outside `--smoke` written to its section of RESULTS.md and its plot. */
async function runScale(): Promise<void> {
  const results = await measureScale(root, smoke ? SCALE_SIZES.smoke : SCALE_SIZES.full, progress);
  const table = scaleMarkdown(results);
  process.stdout.write(`\nThe incident log at scale (D1's rows_read / rows_written per path)\n\n${table}`);
  if (!smoke) {
    const file = path.join(root, "bench", "RESULTS.md");
    const current = await readFile(file, "utf8").catch(() => "");
    await writeFile(file, withScaleSection(current, scaleSection(results, table)));
    await writeFile(path.join(root, "bench", "scale.svg"), renderScaleSvg(results));
    progress("wrote the scale section of bench/RESULTS.md and bench/scale.svg");
  }
  process.exitCode = 0;
}

/** Issue 24's big leak, on a stack of its own with the production budget. */
async function runBigLeak(): Promise<void> {
  const leak = { live: 2_000, junk: 8_000, callsPerSecond: 100, latencyMs: 20 };
  progress("big leak: building the bundle and starting wrangler dev with CLERK_RATE_LIMIT=1000…");
  const bundle = await measureBundle(root, outdir, {
    runs: 1,
    bareHealthMs: 300,
    connections: 1,
    estimate: false,
  });
  const stack = await startLocalStack({
    // BENCH_WORKER_LOGS=1 prints the Worker's log lines, to see what the queue was doing between calls.
    quiet: process.env.BENCH_WORKER_LOGS !== "1",
    clerkLatencyMs: 0,
    seedDemo: false,
    main: bundle.workerScript,
    noBundle: true,
    vars: bigLeakVars(leak),
  });
  stacks.add(stack);
  progress("big leak: creating the keys and sending the alert…");
  process.stdout.write(bigLeakReport(await measureBigLeak(stack, leak)));
  process.exitCode = 0;
}

/** Issue 25's mix of every credential kind, on a stack of its own, unpaced. */
async function runMixed(): Promise<void> {
  progress("mixed leak: building the bundle and starting wrangler dev…");
  const bundle = await measureBundle(root, outdir, {
    runs: 1,
    bareHealthMs: 300,
    connections: 1,
    estimate: false,
  });
  const stack = await startLocalStack({
    quiet: true,
    clerkLatencyMs: 0,
    seedDemo: false,
    main: bundle.workerScript,
    noBundle: true,
    vars: { CLERK_RATE_LIMIT: UNPACED_RATE_LIMIT },
  });
  stacks.add(stack);
  progress("mixed leak: minting every kind, reading the machines' hashes, sending the alert…");
  const mixed = await measureMixedLeak(stack, smoke ? MIXED_PLANS.smoke : MIXED_PLANS.full);
  process.stdout.write(`\nThe mix of a real leak\n\n${mixedLeakMarkdown(mixed)}`);
  if (!smoke) {
    const file = path.join(root, "bench", "RESULTS.md");
    await writeFile(
      file,
      withSection(await readFile(file, "utf8").catch(() => ""), MIXED_MARKERS, mixedLeakSection(mixed)),
    );
    progress("wrote the mixed section of bench/RESULTS.md");
  }
  process.exitCode = 0;
}

/** Every measure, the report, and for a full run the files. */
async function runAll(): Promise<void> {
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
        "src/use-cases/consume-dead-letters.ts).",
    );
  }

  /** `wrangler dev` on the built bundle with a fresh D1 and the stand-ins; `vars` override the Worker's. */
  const startStack = (vars: Record<string, string>) =>
    startLocalStack({
      quiet: true,
      clerkLatencyMs: 0,
      seedDemo: false,
      // The upload itself, not a rebuild from src/: nothing an edit elsewhere does can reload it mid-run.
      main: bundle.workerScript,
      noBundle: true,
      vars,
    });

  progress("starting wrangler dev on the built bundle, with a fresh D1 and the stand-ins…");
  const stack = await startStack({ CLERK_RATE_LIMIT: UNPACED_RATE_LIMIT });
  stacks.add(stack);
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
  if (smoke) {
    // Every credential kind still ends as it should (the full numbers are `--mixed`'s).
    progress("mixed leak: 2 of every credential kind in one alert…");
    try {
      const mixed = await measureMixedLeak(stack, MIXED_PLANS.smoke);
      process.stdout.write(`\nThe mix of a real leak (smoke)\n\n${mixedLeakMarkdown(mixed)}`);
    } catch (error) {
      failed = true;
      findings.push(`mixed leak failed: ${error instanceof Error ? error.message : String(error)}`);
      progress("mixed leak failed");
    }
  }
  await stack.stop();
  stacks.delete(stack);

  let distance: DistanceResult | undefined;
  try {
    distance = await runDistance(plan.distance);
  } catch (error) {
    failed = true;
    findings.push(`distance model failed: ${error instanceof Error ? error.message : String(error)}`);
    progress("distance model failed");
  }

  // CLERK_RATE_LIMIT is read at start, so the rate-limit measure gets a stack of its own. Starting it beside the
  // first one saved nothing on two cores, and would have left a second workerd beside the overhead measure.
  const rl = plan.rateLimit;
  let rateLimit: RateLimitResult | undefined;
  progress(
    `${rl.keys.toLocaleString("en-US")} live keys at Clerk's rate limit, ${rl.callsPerSecond} calls/s ` +
      `(bound ${((2 * rl.keys) / rl.callsPerSecond).toFixed(0)} s): a second wrangler dev…`,
  );
  try {
    const paced = await startStack(rateLimitVars(rl));
    stacks.add(paced);
    rateLimit = await measureRateLimit(paced, rl);
  } catch (error) {
    failed = true;
    findings.push(`rate-limit measure failed: ${error instanceof Error ? error.message : String(error)}`);
    progress("rate-limit measure failed");
  }
  await stopStacks();

  const results: BenchResults = {
    smoke,
    date: new Date(),
    machine: await describeMachine(root),
    latencyMs: CLERK_LATENCY_MS,
    overhead,
    batches,
    rateLimit,
    distance,
    bundle,
    cpu,
  };
  if (smoke) {
    // The scale pass at 10,000 only: every path still runs, so a statement that breaks shows here.
    const scale = await measureScale(root, SCALE_SIZES.smoke, progress);
    process.stdout.write(
      `\nThe incident log at 10,000 (D1's rows_read / rows_written per path)\n\n${scaleMarkdown(scale)}`,
    );
  }
  const checks = evaluateBudgets(results);
  process.stdout.write(consoleReport(results, checks, findings));

  if (!smoke && batches.length > 0) {
    const m = results.machine;
    const svg = renderLatencySvg(batches, {
      latencyMs: CLERK_LATENCY_MS,
      deadlineMs: GITHUB_DEADLINE_MS,
      subtitle: `${m.cores} × ${m.cpu}, ${results.date.toISOString().slice(0, 10)}`,
      ...(rateLimit === undefined
        ? {}
        : { rateLimit: { ...rateLimit, budgetFactor: RATE_BOUND_BUDGET_FACTOR } }),
      ...(distance === undefined
        ? {}
        : {
            distance: {
              summary: summarizeDistance(distance),
              result: distance,
              budgetFactor: DISTANCE_BUDGET_FACTOR,
            },
          }),
    });
    await writeFile(path.join(root, "bench", "latency.svg"), svg);
    // The scale section is `--scale`'s (an hour's work at 1,000,000 on a slow machine): kept as it was.
    const previous = await readFile(path.join(root, "bench", "RESULTS.md"), "utf8").catch(() => "");
    await writeFile(
      path.join(root, "bench", "RESULTS.md"),
      withSection(
        withScaleSection(resultsMarkdown(results, checks, findings), scaleSectionOf(previous)),
        MIXED_MARKERS,
        sectionOf(previous, MIXED_MARKERS),
      ),
    );
    progress("wrote bench/RESULTS.md and bench/latency.svg");
  }
  // A bundle the runtime refuses or a wrong or missing revocation is a failure, not a slow number.
  process.exitCode = failed ? 1 : 0;
  progress(`done${failed ? ", with failures: see FINDING above" : ""}`);
}
