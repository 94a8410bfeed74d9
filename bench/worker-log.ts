/**
 * @module
 * The Worker's `alert` log line as wrangler passes it through: the phase timings the Worker measured for one
 * alert. Validated with valibot rather than trusted: it is text from another process, and wrangler's bounded
 * output can cut a line short.
 */
import * as v from "valibot";

const Milliseconds = v.optional(v.number());

const AlertLineSchema = v.object({
  event: v.literal("alert"),
  prepare_ms: Milliseconds,
  record_ms: Milliseconds,
  inline_ms: Milliseconds,
  duration_ms: Milliseconds,
  queued: v.optional(v.number()),
  revoked: v.optional(v.number()),
});

/** The Worker's phase timings for one alert; a field the line lacks is absent. */
export type AlertPhases = Omit<v.InferOutput<typeof AlertLineSchema>, "event">;

/**
 * The phases of `line` when it is an `alert` log line; `{}` when it claims to be one but does not parse (cut
 * short), `undefined` for any other line.
 */
export function alertPhases(line: string): AlertPhases | undefined {
  if (!line.includes('"event":"alert"')) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(line.slice(line.indexOf("{")));
  } catch {
    return {};
  }
  const parsed = v.safeParse(AlertLineSchema, json);
  if (!parsed.success) return {};
  const { event: _, ...phases } = parsed.output;
  return phases;
}
