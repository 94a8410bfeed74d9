/**
 * @module
 * The Worker's handlers under the distance model; bench/distance-worker.js applies it to src/index.ts. Every
 * invocation gets an env whose `DB` is `distantD1`, `DISTANCE_D1_MS` (a `--var`) away per round trip; a request may
 * name another distance in an `x-distance-d1-ms` header, which its background work keeps too, so the bench can
 * measure the same path at zero distance on the same Worker. For `fetch`, each round trip is also written down, and
 * once the request's background work (`waitUntil`) has settled, one `distance` log line lists them with the times of
 * receipt and of the answer; the bench finds it by the request id.
 *
 * One wrapped env per env the runtime hands over, not one per request: src/config/config.ts reads the configuration
 * once per env object, so a fresh env per request would rebuild the long-lived pieces (Clerk clients, imported keys)
 * on every request, which a deployed Worker never does. Round trips therefore go to whichever request is current,
 * and the bench sends one alert at a time. A request that starts while another's work is still running marks both
 * lines `overlapped`, and the bench refuses those numbers. Queue and cron invocations pay the same latency but are
 * not written down: the paths measured end with the alert's own background work.
 */
import * as v from "valibot";
import { type D1Like, type Distance, distantD1, isD1Like, type RoundTrip } from "./distant-d1.ts";

/** The var that sets the latency of one D1 round trip, in milliseconds. */
export const DISTANCE_D1_VAR = "DISTANCE_D1_MS";
/** The request header that overrides it for one request and its background work. */
export const DISTANCE_D1_HEADER = "x-distance-d1-ms";

const LatencySchema = v.pipe(v.string(), v.toNumber(), v.minValue(0));

type Env = Record<string, unknown>;

/** The part of the runtime's execution context that the Worker uses. */
interface Ctx {
  waitUntil(promise: Promise<unknown>): void;
}

/** A module Worker's handlers, as src/index.ts exports them. */
export interface WorkerHandlers {
  fetch(request: Request, env: Env, ctx: Ctx): Response | Promise<Response>;
  queue(batch: unknown, env: Env, ctx: Ctx): void | Promise<void>;
  scheduled(controller: unknown, env: Env, ctx: Ctx): void | Promise<void>;
}

/** One request's round trips. */
interface RequestTrips {
  receivedAt: number;
  /** The request's own distance, when its header named one. */
  latencyMs: number | undefined;
  trips: RoundTrip[];
  settled: boolean;
  overlapped: boolean;
}

/** `worker`'s handlers with D1 at a distance, and a `distance` log line per request. */
export function withDistance(worker: WorkerHandlers): WorkerHandlers {
  const fetchEnvs = new WeakMap<object, Env>();
  const backgroundEnvs = new WeakMap<object, Env>();
  let current: RequestTrips | undefined;
  const forRequests = (configuredMs: number): Distance => ({
    latencyMs: () => current?.latencyMs ?? configuredMs,
    onTrip: (trip) => current?.trips.push(trip),
  });
  const forBackground = (configuredMs: number): Distance => ({ latencyMs: () => configuredMs, onTrip() {} });

  return {
    async fetch(request, env, ctx) {
      const header = request.headers.get(DISTANCE_D1_HEADER);
      const mine: RequestTrips = {
        receivedAt: Date.now(),
        latencyMs: header === null ? undefined : v.parse(LatencySchema, header),
        trips: [],
        settled: false,
        overlapped: false,
      };
      if (current !== undefined && !current.settled) {
        current.overlapped = true;
        mine.overlapped = true;
      }
      current = mine;
      const pending: Promise<unknown>[] = [];
      const response = await worker.fetch(
        request,
        distanceEnv(fetchEnvs, env, forRequests),
        trackingWaitUntil(ctx, pending),
      );
      const answeredAt = Date.now();
      const requestId = response.headers.get("x-request-id");
      ctx.waitUntil(
        settleAll(pending).then(() => {
          mine.settled = true;
          console.log(
            JSON.stringify({
              event: "distance",
              request_id: requestId,
              received_at: mine.receivedAt,
              answer_ms: answeredAt - mine.receivedAt,
              overlapped: mine.overlapped,
              // [what, start, end], ms since receipt: compact, the line passes through wrangler's output.
              d1: mine.trips.map((t) => [
                t.what,
                t.startedAt - mine.receivedAt,
                (t.endedAt ?? Number.NaN) - mine.receivedAt,
              ]),
            }),
          );
        }),
      );
      return response;
    },
    queue: (batch, env, ctx) => worker.queue(batch, distanceEnv(backgroundEnvs, env, forBackground), ctx),
    scheduled: (controller, env, ctx) =>
      worker.scheduled(controller, distanceEnv(backgroundEnvs, env, forBackground), ctx),
  };
}

/**
 * `env` with `DB` at a distance, built once per env object. The latency var is left out: the Worker has no use for it.
 */
function distanceEnv(
  cache: WeakMap<object, Env>,
  env: Env,
  distance: (configuredMs: number) => Distance,
): Env {
  let wrapped = cache.get(env);
  if (wrapped === undefined) {
    const { [DISTANCE_D1_VAR]: latency, DB: db, ...rest } = env;
    if (!isD1Like(db)) throw new Error("distance model: env.DB is not a D1 binding");
    const distant: D1Like = distantD1(db, distance(v.parse(LatencySchema, latency)));
    wrapped = { ...rest, DB: distant };
    cache.set(env, wrapped);
  }
  return wrapped;
}

/**
 * `ctx` with `waitUntil` also noting each promise in `pending`. A Proxy rather than a copy: the runtime's context has
 * more members than this module knows of, and its methods must be called on the context itself.
 */
function trackingWaitUntil(ctx: Ctx, pending: Promise<unknown>[]): Ctx {
  const waitUntil = (promise: Promise<unknown>) => {
    pending.push(promise);
    ctx.waitUntil(promise);
  };
  return new Proxy(ctx, {
    get(target, key) {
      if (key === "waitUntil") return waitUntil;
      const value: unknown = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Settles once every promise in `pending` has, including any added while waiting. */
async function settleAll(pending: readonly Promise<unknown>[]): Promise<void> {
  for (let seen = 0; seen < pending.length; ) {
    const batch = pending.slice(seen);
    seen = pending.length;
    await Promise.allSettled(batch);
  }
}
