/**
 * @module
 * Closed-loop HTTP load from autocannon: `connections` keep-alive connections, each sending its next request as
 * soon as the previous answer is read, for a time or up to a request cap. Only 127.0.0.1 is accepted.
 *
 * autocannon runs in this process, on its own socket client, so the load generator shares the machine's cores
 * with workerd: a heavier client would cap `/health` more than the alert route and flatter the ratio. Its CPU
 * share is reported so that stays visible.
 */
import process from "node:process";
import autocannon from "autocannon";

/** One answer took longer than this: counted as an error, the connection reopened. autocannon counts in seconds. */
export const REQUEST_TIMEOUT_S = 10;
/**
 * autocannon notices the end of the duration only at its next sample, so the sample interval bounds how far a
 * round can overrun. Throughput is counted over the actual duration it reports, so the overrun costs no accuracy.
 */
const SAMPLE_INTERVAL_MS = 100;

export interface LoadOptions {
  url: string;
  method: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationMs: number;
  /** Hard cap on requests sent, whatever the duration. */
  maxRequests: number;
  /** The status every answer must have; others are counted as errors. */
  expectStatus: number;
}

/** Response times in milliseconds, as autocannon's histogram records them (whole milliseconds). */
export interface LatencyPercentiles {
  p50: number;
  p90: number;
  p99: number;
}

export interface LoadResult {
  /** Answers with the expected status. */
  completed: number;
  /** Connection errors, timeouts and answers with another status. */
  errors: number;
  elapsedMs: number;
  perSecond: number;
  latencyMs: LatencyPercentiles;
  /** Load generator CPU (user + system) in milliseconds, this whole process while the load ran. */
  clientCpuMs: number;
  /** `clientCpuMs` over wall time, 1.0 = one core busy. */
  clientCpuCores: number;
  /** The first connection error, or the unexpected statuses, for the report. */
  firstError?: string;
}

/** Throws unless `url` is on 127.0.0.1: load is never sent anywhere else. */
export function assertLoopback(url: string): void {
  if (new URL(url).hostname !== "127.0.0.1") throw new Error(`refusing to send load to ${url}`);
}

/** Runs one bounded closed loop and reports its throughput and response times. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  assertLoopback(options.url);
  let firstError: string | undefined;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: options.method,
        headers: options.headers ?? {},
        ...(options.body === undefined ? {} : { body: options.body }),
        connections: options.connections,
        duration: options.durationMs / 1000,
        maxOverallRequests: options.maxRequests,
        timeout: REQUEST_TIMEOUT_S,
        sampleInt: SAMPLE_INTERVAL_MS,
      },
      (error: Error | null, done: autocannon.Result) => (error ? reject(error) : resolve(done)),
    );
    instance.on("reqError", (error: unknown) => {
      firstError ??= error instanceof Error ? error.message : String(error);
    });
  });
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const clientCpuMs = (cpu.user + cpu.system) / 1000;

  const byStatus = Object.entries(result.statusCodeStats ?? {});
  const completed = byStatus
    .filter(([status]) => Number(status) === options.expectStatus)
    .reduce((n, [, s]) => n + (s.count ?? 0), 0);
  const unexpected = byStatus.filter(([status]) => Number(status) !== options.expectStatus);
  if (firstError === undefined && unexpected.length > 0) {
    firstError = unexpected.map(([status, s]) => `status ${status} ×${s.count ?? 0}`).join(", ");
  }
  const elapsedMs = result.duration * 1000;
  return {
    completed,
    errors: result.errors + unexpected.reduce((n, [, s]) => n + (s.count ?? 0), 0),
    elapsedMs,
    perSecond: (completed * 1000) / elapsedMs,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
    },
    clientCpuMs,
    clientCpuCores: clientCpuMs / wallMs,
    ...(firstError === undefined ? {} : { firstError }),
  };
}
