/**
 * @module
 * The incident list's SQL, one statement per combination of filters, each seeking an index: a page reads about as
 * many rows as it shows, at any depth of a log of millions, and never more than `PAGE_SCAN_LIMIT` (D1 bills every row
 * read). A single statement with `(?n IS NULL OR …)` for every filter, as it was, could use no index and read the
 * whole log for every page.
 *
 * Three shapes:
 * - **seek**: the filters are all in one index (none; a status; an instance; with `since` and the cursor as its
 *   range). Newest first, `LIMIT` the page.
 * - **scan**: other filters remain (a sender, a label, a second one of the above). The driving index is walked for at
 *   most `PAGE_SCAN_LIMIT` rows, each joined to its incident and tested; a page that is not full ends where the walk
 *   did, and its `next` goes on from there. Pages may come out short, even empty; none costs more.
 * - **search**: what an operator remembers of a leak: the start of the token prefix, the start of the hash, the Clerk
 *   key id, or the start of the key's name (any case). Each is a range on its own index, at most `SEARCH_MATCH_LIMIT`
 *   rows each; the matches are then filtered, paged and ordered like the list.
 */
import type { IncidentStatus, Label } from "../domain/incident";

/** Filters of the incident list; every one optional. */
export interface IncidentFilter {
  status?: IncidentStatus;
  sender?: string;
  /** The Clerk instance that knows the key. */
  instance?: string;
  label?: Label;
  /** ms since the epoch: incidents first seen at or after it. */
  since?: number;
  /**
   * What an operator remembers of a leak: the start of the token's prefix (`ak_3bee`), its hash or the start of it,
   * the Clerk key id, or the start of the key's name (any case of A–Z).
   */
  search?: string;
}

/** A position in the list: the last item of the previous page. */
export interface ListPosition {
  firstSeenAt: number;
  tokenHash: string;
}

/** Rows a filtered page walks at most before it stops, full or not. */
export const PAGE_SCAN_LIMIT = 400;
/** Incidents a search matches at most in each of its indexes; beyond that the operator is asked to narrow it. */
export const SEARCH_MATCH_LIMIT = 200;

/** A statement, its parameters, and how its rows are read back. */
export interface ListQuery {
  mode: "seek" | "scan" | "search";
  sql: string;
  params: (string | number)[];
}

/** The end of a prefix range: every string that starts with `prefix` sorts before it (D1 compares bytes). */
export const prefixEnd = (prefix: string): string => `${prefix}\u{10FFFF}`;

/** Newest first, the order of the list and of its cursor. */
const order = (alias: string) => `${alias}.first_seen_at DESC, ${alias}.token_hash DESC`;

/** The SQL for one page of `filter` after `after`, `limit` items long. */
export function listQuery(
  filter: IncidentFilter,
  after: ListPosition | undefined,
  limit: number,
  columns: string,
): ListQuery {
  const params: (string | number)[] = [];
  const p = (value: string | number) => {
    params.push(value);
    return `?${params.length}`;
  };
  const residual: string[] = [];
  const range = (alias: string): string[] => [
    ...(filter.since !== undefined ? [`${alias}.first_seen_at >= ${p(filter.since)}`] : []),
    ...(after
      ? [`(${alias}.first_seen_at, ${alias}.token_hash) < (${p(after.firstSeenAt)}, ${p(after.tokenHash)})`]
      : []),
  ];
  if (filter.search !== undefined && filter.search !== "") {
    return searchQuery(filter, after, limit, columns);
  }
  // The most selective filter that has an index drives; the rest are tested on each row the walk reads.
  let index = "incidents_first_seen_hash";
  const driving: string[] = [];
  if (filter.status !== undefined) {
    index = "incidents_status_seen";
    driving.push(`d.status = ${p(filter.status)}`);
  } else if (filter.instance !== undefined) {
    index = "incidents_instance_seen";
    driving.push(`d.clerk_instance IS NOT NULL AND d.clerk_instance = ${p(filter.instance)}`);
  }
  if (filter.status !== undefined && filter.instance !== undefined)
    residual.push(`i.clerk_instance = ${p(filter.instance)}`);
  if (filter.label !== undefined) residual.push(`i.label = ${p(filter.label)}`);
  if (filter.sender !== undefined) residual.push(`instr(i.senders, json_quote(${p(filter.sender)})) > 0`);
  driving.push(...range("d"));
  const where = driving.length > 0 ? `WHERE ${driving.join(" AND ")}` : "";
  if (residual.length === 0) {
    return {
      mode: "seek",
      sql: `SELECT ${columns} FROM incidents AS d INDEXED BY ${index} JOIN incidents AS i ON i.rowid = d.rowid ${where}
            ORDER BY ${order("d")} LIMIT ${p(limit + 1)}`,
      params,
    };
  }
  return {
    mode: "scan",
    sql: `SELECT d.first_seen_at AS at, d.token_hash AS hash, i.rowid IS NOT NULL AS hit, ${columns}
          FROM incidents AS d INDEXED BY ${index}
          LEFT JOIN incidents AS i ON i.rowid = d.rowid AND ${residual.join(" AND ")}
          ${where} ORDER BY ${order("d")} LIMIT ${p(PAGE_SCAN_LIMIT)}`,
    params,
  };
}

function searchQuery(
  filter: IncidentFilter,
  after: ListPosition | undefined,
  limit: number,
  columns: string,
): ListQuery {
  const params: (string | number)[] = [];
  const p = (value: string | number) => {
    params.push(value);
    return `?${params.length}`;
  };
  const search = filter.search ?? "";
  // SQLite's lower() folds A–Z only; folding more here would miss names such as "Äpfel".
  const folded = search.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const cap = p(SEARCH_MATCH_LIMIT + 1);
  // Each branch is tagged, so that "matched more than it reads" is asked of each range on its own: several ranges
  // together can match more than SEARCH_MATCH_LIMIT with none of them cut short.
  const branch = (where: string, tag: number) =>
    `SELECT r, ${tag} FROM (SELECT rowid AS r FROM incidents WHERE ${where} LIMIT ${cap})`;
  const ranges = [
    `token_prefix >= ${p(search)} AND token_prefix < ${p(prefixEnd(search))}`,
    `key_id IS NOT NULL AND key_id = ${p(search)}`,
    `key_name IS NOT NULL AND lower(key_name) >= ${p(folded)} AND lower(key_name) < ${p(prefixEnd(folded))}`,
  ];
  if (/^[0-9a-f]{1,64}$/i.test(search)) {
    const hex = search.toLowerCase();
    ranges.push(`token_hash >= ${p(hex)} AND token_hash < ${p(`${hex}g`)}`);
  }
  const branches = ranges.map(branch);
  const conditions = ["i.rowid IN (SELECT r FROM m)"];
  if (filter.status !== undefined) conditions.push(`i.status = ${p(filter.status)}`);
  if (filter.instance !== undefined) conditions.push(`i.clerk_instance = ${p(filter.instance)}`);
  if (filter.label !== undefined) conditions.push(`i.label = ${p(filter.label)}`);
  if (filter.sender !== undefined) conditions.push(`instr(i.senders, json_quote(${p(filter.sender)})) > 0`);
  if (filter.since !== undefined) conditions.push(`i.first_seen_at >= ${p(filter.since)}`);
  if (after)
    conditions.push(`(i.first_seen_at, i.token_hash) < (${p(after.firstSeenAt)}, ${p(after.tokenHash)})`);
  return {
    mode: "search",
    // One row at least, the page's or a row of NULLs, so the flag comes back even when no match passes the filters.
    sql: `WITH m(r, b) AS MATERIALIZED (${branches.join(" UNION ALL ")}),
            capped(c) AS (SELECT COALESCE(MAX(n), 0) > ${SEARCH_MATCH_LIMIT} FROM (SELECT COUNT(*) AS n FROM m GROUP BY b)),
            page AS (SELECT ${columns} FROM incidents AS i
                     WHERE ${conditions.join(" AND ")} ORDER BY ${order("i")} LIMIT ${p(limit + 1)})
          SELECT page.*, capped.c AS capped FROM capped LEFT JOIN page ON 1 ORDER BY ${order("page")}`,
    params,
  };
}
