/**
 * @module
 * The distance model's `distance` log line (bench/distance-handlers.ts) as wrangler passes it through: one request's
 * D1 round trips and its time to answer. Validated with valibot rather than trusted: it is text from another
 * process, and wrangler's bounded output can cut a line short.
 */
import * as v from "valibot";

const DistanceLineSchema = v.object({
  event: v.literal("distance"),
  request_id: v.nullable(v.string()),
  /** The Worker's clock at receipt, ms since the epoch. */
  received_at: v.number(),
  answer_ms: v.number(),
  overlapped: v.boolean(),
  /** `[what, start, end]` per round trip, ms since receipt, in the order they left; `end` null if it never ended. */
  d1: v.array(v.tuple([v.string(), v.number(), v.nullable(v.number())])),
});

/** One D1 round trip, ms since the request was received. */
export interface D1Trip {
  what: string;
  startMs: number;
  endMs: number;
}

/** What the Worker wrote down for one request. */
export interface DistanceLine {
  requestId: string | null;
  receivedAt: number;
  answerMs: number;
  overlapped: boolean;
  d1: D1Trip[];
}

/** The request's line when `line` is a `distance` line that parses; `undefined` otherwise. */
export function parseDistanceLine(line: string): DistanceLine | undefined {
  if (!line.includes('"event":"distance"')) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(line.slice(line.indexOf("{")));
  } catch {
    return undefined;
  }
  const parsed = v.safeParse(DistanceLineSchema, json);
  if (!parsed.success) return undefined;
  const o = parsed.output;
  return {
    requestId: o.request_id,
    receivedAt: o.received_at,
    answerMs: o.answer_ms,
    overlapped: o.overlapped,
    // A round trip that never ended (the line was written while it hung) counts as lasting to the end of the line.
    d1: o.d1.map(([what, startMs, endMs]) => ({ what, startMs, endMs: endMs ?? Number.POSITIVE_INFINITY })),
  };
}

/** The newest `distance` line for `requestId` in `output`, if it has come through. */
export function findDistanceLine(output: string, requestId: string): DistanceLine | undefined {
  for (const line of output.split("\n").reverse()) {
    if (!line.includes(requestId)) continue;
    const parsed = parseDistanceLine(line);
    if (parsed?.requestId === requestId) return parsed;
  }
  return undefined;
}
