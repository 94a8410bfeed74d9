/**
 * @module
 * What the console's incident list accepts in its query: the API's filters, a search box and a cursor. Unlike the
 * API's strict schema, an empty field means "any" (a filter form submits every field, filled or not), and unknown
 * parameters are ignored. A search that looks like a whole Clerk secret is never echoed: it is searched by its hash,
 * and the page says why the box is empty.
 */
import * as v from "valibot";
import { ClerkKeyIdSchema, isClerkSecretShape } from "../../domain/clerk-ids";
import { IncidentStatusSchema, LabelSchema } from "../../domain/incident";
import { emptyAsUnset } from "../../lib/empty-as-unset";
import { sha256Hex } from "../../lib/hash";
import { decodeCursor } from "../cursor";
import { INCIDENT_SENDERS } from "../requests";

/** Incidents per console page. */
export const CONSOLE_PAGE_SIZE = 25;
/** Longest search accepted: a key name, a hash, a secret pasted by mistake. */
const MAX_SEARCH_CHARS = 300;

/** The list's query string. */
export const ConsoleListQuerySchema = v.object({
  q: emptyAsUnset(v.pipe(v.string(), v.trim(), v.maxLength(MAX_SEARCH_CHARS))),
  status: emptyAsUnset(IncidentStatusSchema),
  sender: emptyAsUnset(v.picklist(INCIDENT_SENDERS)),
  label: emptyAsUnset(LabelSchema),
  instance: emptyAsUnset(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9-]{0,31}$/))),
  since: emptyAsUnset(v.pipe(v.string(), v.isoDate(), v.transform(Date.parse))),
  cursor: emptyAsUnset(
    v.pipe(
      v.string(),
      v.maxLength(120),
      v.transform(decodeCursor),
      v.object({ firstSeenAt: v.number(), tokenHash: v.string() }),
    ),
  ),
});

/** The list's query, parsed. */
export type ConsoleListQuery = v.InferOutput<typeof ConsoleListQuerySchema>;

/** What a search box's text is searched as. */
export interface Search {
  /** What the reads are asked to match (`search` of `IncidentFilter`). */
  term: string | undefined;
  /** What the box shows again: never a secret. */
  shown: string;
  /** The text looked like a whole secret: searched by its hash, not shown. */
  wasSecret: boolean;
  /**
   * The text may go into the list's URL (and so into request logs and history): it is short, hex (a hash or its start),
   * a key id, or a plain name with no long run of letters and digits. Anything else could be some other secret pasted
   * by mistake (a Clerk instance key, a GitHub token): it is searched for, but neither shown nor put in a URL.
   */
  safeInUrl: boolean;
}

/** Texts short enough to be a prefix, never a usable secret. */
const SHORT_SEARCH_CHARS = 12;
/** A run of letters and digits this long reads as a token's random part. */
const TOKEN_LIKE_RUN = /[A-Za-z0-9]{20,}/;

function isSafeInUrl(q: string): boolean {
  if (q.length <= SHORT_SEARCH_CHARS) return true;
  if (/^[0-9a-f]{8,64}$/i.test(q) || v.is(ClerkKeyIdSchema, q)) return true;
  return /^[\w .-]{1,64}$/.test(q) && !TOKEN_LIKE_RUN.test(q);
}

/** How the box's text is searched and shown. A key id is shaped like a secret, so it is told apart first. */
export async function searchOf(q: string | undefined): Promise<Search> {
  if (q === undefined || q === "") return { term: undefined, shown: "", wasSecret: false, safeInUrl: true };
  if (v.is(ClerkKeyIdSchema, q) || !isClerkSecretShape(q)) {
    const safeInUrl = isSafeInUrl(q);
    return { term: q, shown: safeInUrl ? q : "", wasSecret: false, safeInUrl };
  }
  // Its hash is what goes in the URL, and a hash is safe there.
  return { term: await sha256Hex(q), shown: "", wasSecret: true, safeInUrl: true };
}
