/**
 * @module
 * The alert body shared by every sender: a JSON array of matches `{token, type, url?, source?}`.
 * Each match is validated on its own, so one broken match never sinks the batch; the body as a
 * whole must be a non-empty JSON array. Nothing here ever echoes input back.
 */
import * as v from "valibot";
import { err, ok, type Result } from "../lib/result";

/**
 * Longest token we accept: room for a Clerk machine JWT with its claims (an RS256 signature alone is 342 characters;
 * domain/clerk-ids.ts), while opaque secrets are far shorter; this caps hashing and storage.
 */
export const MAX_TOKEN_CHARS = 4096;
/** Longest type name kept. */
export const MAX_TYPE_CHARS = 128;
/** Longest url kept; longer ones are cut, since the token is what matters. */
export const MAX_URL_CHARS = 2048;
/** Longest source kept. */
export const MAX_SOURCE_CHARS = 64;

/** Cuts to `max` UTF-16 units without leaving half of a surrogate pair behind. */
const cut = (max: number) =>
  v.transform((s: string) => (s.length <= max ? s : s.slice(0, max).replace(/[\uD800-\uDBFF]$/, "")));

/** One match as a sender reports it. `source` is an open set; `url` may be empty or missing. */
export const MatchSchema = v.object({
  token: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_TOKEN_CHARS)),
  type: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(MAX_TYPE_CHARS)),
  url: v.pipe(
    v.optional(v.nullable(v.string()), ""),
    v.transform((s) => (s ?? "").trim()),
    cut(MAX_URL_CHARS),
  ),
  source: v.pipe(
    v.optional(v.nullable(v.string()), "unknown"),
    v.transform((s) => (s ?? "unknown").trim() || "unknown"),
    cut(MAX_SOURCE_CHARS),
  ),
});

/** A validated match. */
export type Match = v.InferOutput<typeof MatchSchema>;

/** Why a body was refused as a whole. */
export type BodyError = "not_json" | "not_array" | "empty";

/** The usable matches and how many were skipped as invalid. */
export interface ParsedAlert {
  matches: Match[];
  invalid: number;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Parses the raw body bytes (already signature-checked) into matches. */
export function parseAlertBody(body: ArrayBuffer | Uint8Array): Result<ParsedAlert, BodyError> {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(body));
  } catch {
    return err("not_json");
  }
  if (!Array.isArray(json)) return err("not_array");
  if (json.length === 0) return err("empty");
  const matches: Match[] = [];
  let invalid = 0;
  for (const item of json) {
    const parsed = v.safeParse(MatchSchema, item);
    if (parsed.success) matches.push(parsed.output);
    else invalid++;
  }
  return ok({ matches, invalid });
}
