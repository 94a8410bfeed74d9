/**
 * @module
 * Overhead: signed one-match alerts per second against bare `GET /health` on the same `wrangler dev` Worker,
 * interleaved round by round so drift (thermal, a noisy neighbour, D1 growing) hits both alike. The token is a
 * GitHub token, not a Clerk secret, so what is measured is signature check, parsing and the D1 record, never
 * Clerk. The same signed body is replayed: every replay verifies and records again (a new sighting time).
 */
import type { LocalStack } from "../dev/local-stack.ts";
import { createAlertRequest } from "../dev/signer.ts";
import { type LatencyPercentiles, type LoadOptions, type LoadResult, runLoad } from "./load.ts";
import { type CpuByProgram, cpuDelta, groupCpu } from "./proc-cpu.ts";
import { median } from "./stats.ts";
import { alertPhases } from "./worker-log.ts";

export interface OverheadOptions {
  rounds: number;
  roundMs: number;
  warmupMs: number;
  connections: number;
}

export interface OverheadResult {
  options: OverheadOptions;
  health: LoadResult[];
  alert: LoadResult[];
  healthPerSecond: number;
  alertPerSecond: number;
  /** Median alerts/s over median /health req/s. */
  ratio: number;
  /** Each percentile of /health's response time, the median over the rounds. */
  healthLatencyMs: LatencyPercentiles;
  /** Each percentile of the alert's response time, the median over the rounds. */
  alertLatencyMs: LatencyPercentiles;
  /** Median load-generator CPU while sending alerts, in cores. */
  clientCpuCores: number;
  /**
   * CPU milliseconds per request by program, over all timed rounds: wrangler's process group from /proc
   * (`workerd`, `node` = wrangler itself) plus `bench` (this process: load generator; the stand-ins idle here).
   * Empty objects where /proc is unavailable.
   */
  cpuPerRequest: { health: CpuByProgram; alert: CpuByProgram };
  /** Medians of the Worker's own phase timings over the timed alerts (its `alert` log lines). */
  workerPhases: { prepare_ms: number; record_ms: number; duration_ms: number; alerts: number } | undefined;
}

/**
 * autocannon ends a round by closing its connections, requests in flight included, and the Worker still finishes
 * those. A pause before each round lets that work drain, so one round's leftovers are neither charged to the
 * next round's CPU nor compete with its load.
 */
export const ROUND_GAP_MS = 500;

/** Caps any one round, whatever its duration: far above what loopback can do in a few seconds. */
const MAX_REQUESTS_PER_ROUND = 1_000_000;

/** One GitHub token, not a Clerk secret; the same for every replay. */
export const OVERHEAD_BODY = JSON.stringify([
  {
    token: "ghp_benchOverheadNotAClerkKey0123456789abcd",
    type: "github_personal_access_token",
    url: "https://github.com/octo/bench/blob/main/config.env",
    source: "content",
  },
]);

/** Measures the overhead ratio; throws if an alert is not answered as expected. */
export async function measureOverhead(stack: LocalStack, options: OverheadOptions): Promise<OverheadResult> {
  const signed = await createAlertRequest({
    url: stack.alertUrl("github"),
    body: OVERHEAD_BODY,
    key: stack.signingKey,
    sender: "github",
  });
  await checkAlertAnswer(signed.url, signed.headers);
  const health = { url: `${stack.url}/health`, method: "GET" as const, expectStatus: 200 };
  const alert = {
    url: signed.url,
    method: "POST" as const,
    headers: signed.headers,
    body: OVERHEAD_BODY,
    expectStatus: 200,
  };
  const common = { connections: options.connections, maxRequests: MAX_REQUESTS_PER_ROUND };

  // Warm-up: JIT, D1's first pages, the key cache; not counted.
  await runLoad({ ...health, ...common, durationMs: options.warmupMs });
  await runLoad({ ...alert, ...common, durationMs: options.warmupMs });

  const healthRounds: LoadResult[] = [];
  const alertRounds: LoadResult[] = [];
  const logLines: string[] = [];
  const cpu: { health: CpuByProgram; alert: CpuByProgram } = { health: {}, alert: {} };
  const timed = async (kind: "health" | "alert", load: LoadOptions) => {
    await new Promise((r) => setTimeout(r, ROUND_GAP_MS));
    const before = await groupCpu(stack.wranglerPid);
    const result = await runLoad(load);
    const spent = cpuDelta(before, await groupCpu(stack.wranglerPid));
    spent.bench = result.clientCpuMs;
    for (const [name, ms] of Object.entries(spent)) cpu[kind][name] = (cpu[kind][name] ?? 0) + ms;
    return result;
  };
  for (let round = 0; round < options.rounds; round++) {
    healthRounds.push(await timed("health", { ...health, ...common, durationMs: options.roundMs }));
    const mark = stack.output().length;
    alertRounds.push(await timed("alert", { ...alert, ...common, durationMs: options.roundMs }));
    // wrangler's kept output is bounded; a round's worth of lines fits.
    logLines.push(...stack.output().slice(mark).split("\n"));
  }
  const perRequest = (spent: CpuByProgram, rounds: LoadResult[]) => {
    const requests = rounds.reduce((n, r) => n + r.completed, 0);
    return Object.fromEntries(Object.entries(spent).map(([name, ms]) => [name, ms / requests]));
  };
  for (const r of [...healthRounds, ...alertRounds]) {
    if (r.errors > 0) throw new Error(`overhead: ${r.errors} failed requests (first: ${r.firstError})`);
  }
  const healthPerSecond = median(healthRounds.map((r) => r.perSecond));
  const alertPerSecond = median(alertRounds.map((r) => r.perSecond));
  return {
    options,
    health: healthRounds,
    alert: alertRounds,
    healthPerSecond,
    alertPerSecond,
    ratio: alertPerSecond / healthPerSecond,
    healthLatencyMs: medianPercentiles(healthRounds),
    alertLatencyMs: medianPercentiles(alertRounds),
    clientCpuCores: median(alertRounds.map((r) => r.clientCpuCores)),
    cpuPerRequest: {
      health: perRequest(cpu.health, healthRounds),
      alert: perRequest(cpu.alert, alertRounds),
    },
    workerPhases: phaseMedians(logLines),
  };
}

/** Each percentile's median over the rounds. */
function medianPercentiles(rounds: readonly LoadResult[]): LatencyPercentiles {
  const of = (key: keyof LatencyPercentiles) => median(rounds.map((r) => r.latencyMs[key]));
  return { p50: of("p50"), p90: of("p90"), p99: of("p99") };
}

/** Medians of the phase fields of the `alert` log lines among `lines`. */
function phaseMedians(lines: readonly string[]): OverheadResult["workerPhases"] {
  const rows: { prepare_ms: number; record_ms: number; duration_ms: number }[] = [];
  for (const line of lines) {
    const { prepare_ms, record_ms, duration_ms } = alertPhases(line) ?? {};
    // A line cut by the output buffer lacks some or all of them.
    if (prepare_ms !== undefined && record_ms !== undefined && duration_ms !== undefined) {
      rows.push({ prepare_ms, record_ms, duration_ms });
    }
  }
  if (rows.length === 0) return undefined;
  return {
    prepare_ms: median(rows.map((r) => r.prepare_ms)),
    record_ms: median(rows.map((r) => r.record_ms)),
    duration_ms: median(rows.map((r) => r.duration_ms)),
    alerts: rows.length,
  };
}

/** One alert answered 200 with exactly one `false_positive` label: the route works before it is timed. */
async function checkAlertAnswer(url: string, headers: Record<string, string>): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: OVERHEAD_BODY,
    signal: AbortSignal.timeout(30_000),
  });
  const answer: unknown = await response.json().catch(() => undefined);
  const labels = Array.isArray(answer) ? answer.map((a: { label?: unknown }) => a.label) : [];
  if (response.status !== 200 || labels.length !== 1 || labels[0] !== "false_positive") {
    throw new Error(
      `overhead: the alert was answered ${response.status} with labels ${JSON.stringify(labels)}; expected one false_positive`,
    );
  }
}
