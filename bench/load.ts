/**
 * @module
 * A bounded closed-loop load generator: `connections` keep-alive connections, each sending its next request as
 * soon as the previous answer is read, until a time limit or a request cap. Only 127.0.0.1 is accepted.
 *
 * Why not autocannon or wrk: neither is installed, and this needs no dependency. It uses `node:http` with a
 * keep-alive agent rather than `fetch` because undici's fetch costs several times more client CPU per request,
 * and on a small machine the client shares the cores with workerd: a heavier client would cap `/health` more
 * than the alert route and flatter the ratio. The client's own CPU share is reported so that stays visible.
 */
import { type NodeIncomingMessage, nodeExtra } from "./node-extra.ts";

/** One answer took longer than this: counted as an error, the connection dropped. */
export const REQUEST_TIMEOUT_MS = 10_000;

export interface LoadOptions {
  url: string;
  method: "GET" | "POST";
  headers?: Record<string, string>;
  body?: Uint8Array;
  connections: number;
  durationMs: number;
  /** Hard cap on requests sent, whatever the duration. */
  maxRequests: number;
  /** The status every answer must have; others are counted as errors. */
  expectStatus: number;
}

export interface LoadResult {
  completed: number;
  errors: number;
  elapsedMs: number;
  perSecond: number;
  /** Load generator CPU (user + system) over wall time, 1.0 = one core busy. */
  clientCpuCores: number;
  /** The first unexpected status or error, for the report. */
  firstError?: string;
}

/** Throws unless `url` is on 127.0.0.1: load is never sent anywhere else. */
export function assertLoopback(url: string): void {
  if (new URL(url).hostname !== "127.0.0.1") throw new Error(`refusing to send load to ${url}`);
}

/** Runs one bounded closed loop and reports its throughput. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  assertLoopback(options.url);
  const { http, process } = await nodeExtra();
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const headers: Record<string, string | number> = { ...options.headers };
  if (options.body) headers["content-length"] = options.body.length;
  let sent = 0;
  let completed = 0;
  let errors = 0;
  let firstError: string | undefined;
  const fail = (what: string) => {
    errors++;
    firstError ??= what;
  };

  const once = () =>
    new Promise<void>((resolve) => {
      const request = http.request(
        options.url,
        { method: options.method, headers, agent },
        (response: NodeIncomingMessage) => {
          // The body is drained, not kept: answers were checked once before the loop.
          response.on("data", () => {});
          response.on("error", (error) => {
            fail(error.message);
            resolve();
          });
          response.on("end", () => {
            if (response.statusCode === options.expectStatus) completed++;
            else fail(`status ${response.statusCode}`);
            resolve();
          });
        },
      );
      request.setTimeout(REQUEST_TIMEOUT_MS, () => request.destroy(new Error("timeout")));
      request.on("error", (error) => {
        fail(error.message);
        resolve();
      });
      request.end(options.body);
    });

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const endAt = started + options.durationMs;
  const lane = async () => {
    while (performance.now() < endAt && sent < options.maxRequests) {
      sent++;
      await once();
    }
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, lane));
  } finally {
    agent.destroy();
  }
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    completed,
    errors,
    elapsedMs,
    perSecond: (completed * 1000) / elapsedMs,
    clientCpuCores: (cpu.user + cpu.system) / 1000 / elapsedMs,
    ...(firstError === undefined ? {} : { firstError }),
  };
}
