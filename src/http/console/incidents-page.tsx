/**
 * @module
 * `GET /console/incidents`: the incident list with the API's filters, a search, and cursor paging.
 */

import type { IncidentSummary } from "../../domain/incident";
import { IncidentStatusSchema, LabelSchema } from "../../domain/incident";
import { INCIDENT_SENDERS } from "../requests";
import { formatDay, STATUS_TEXT } from "./format";
import type { ConsoleListQuery, Search } from "./list-query";
import { IncidentTable } from "./parts";

export interface IncidentsPageProps {
  query: ConsoleListQuery;
  search: Search;
  items: IncidentSummary[];
  /** The link to the next page, or `undefined` on the last. */
  nextHref: string | undefined;
  /** The Clerk instances configured; the filter shows only when there are several. */
  instances: string[];
  /** The search matched more incidents than it reads: some may be left out. */
  searchTruncated: boolean;
}

function Select({
  name,
  label,
  options,
  value,
}: {
  name: string;
  label: string;
  options: readonly (readonly [string, string])[];
  value: string | undefined;
}) {
  return (
    <div>
      <label for={`f-${name}`}>{label}</label>
      <select id={`f-${name}`} name={name}>
        <option value="">any</option>
        {options.map(([v, text]) => (
          <option value={v} selected={v === value}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The list's content. */
export function IncidentsPage({
  query,
  search,
  items,
  nextHref,
  instances,
  searchTruncated,
}: IncidentsPageProps) {
  const filtered = Object.values({ ...query, cursor: undefined }).some((x) => x !== undefined);
  return (
    <>
      <h1>Incidents</h1>
      {search.wasSecret ? (
        <p class="notice error" role="alert">
          That looked like a whole secret. It was searched by its hash and is not shown here. Search by the
          prefix (<code>ak_3bee</code>) or the hash instead: a URL is no place for a secret, and if it is
          live, revoke it now on <a href="/console/revoke">Revoke a key</a>.
        </p>
      ) : null}
      {!search.safeInUrl ? (
        <p class="notice" role="status">
          That search could be a secret pasted by mistake, so it is neither shown nor put in the page's
          address. Only the first page of what it matches is listed; search by a shorter prefix, a hash or a
          key id to page through more.
        </p>
      ) : null}
      <search>
        <form class="filters" method="post" action="/console/incidents">
          <div>
            <label for="f-q">
              Search <small>token prefix, token hash, key id or key name</small>
            </label>
            <input
              id="f-q"
              name="q"
              type="search"
              value={search.shown}
              autocomplete="off"
              spellcheck={false}
              size={34}
            />
          </div>
          <Select
            name="status"
            label="Status"
            options={IncidentStatusSchema.options.map((s) => [s, STATUS_TEXT[s]] as const)}
            value={query.status}
          />
          <Select
            name="sender"
            label="Sender"
            options={INCIDENT_SENDERS.map((s) => [s, s] as const)}
            value={query.sender}
          />
          <Select
            name="label"
            label="Label"
            options={LabelSchema.options.map((l) => [l, l.replace("_", " ")] as const)}
            value={query.label ?? undefined}
          />
          {instances.length > 1 ? (
            <Select
              name="instance"
              label="Clerk instance"
              options={instances.map((i) => [i, i] as const)}
              value={query.instance}
            />
          ) : null}
          <div>
            <label for="f-since">First seen since</label>
            <input
              id="f-since"
              name="since"
              type="date"
              value={query.since === undefined ? "" : formatDay(query.since)}
            />
          </div>
          <div>
            <button type="submit">Filter</button> {filtered ? <a href="/console/incidents">Clear</a> : null}
          </div>
        </form>
      </search>
      {searchTruncated ? (
        <p class="notice" role="status">
          More incidents match this search than one search reads (200 in each of prefix, hash, key id and
          name): some may be missing. Type more of the prefix, the hash or the name.
        </p>
      ) : null}
      {items.length === 0 ? (
        // A filtered page reads a bounded stretch of the log (src/incidents/list-query.ts): none in it matched, and
        // older incidents are still to look through.
        <p>
          {nextHref
            ? "No incident matches on this page; older ones may: see the next page."
            : "No incident matches."}
        </p>
      ) : (
        <IncidentTable items={items} caption={`${items.length} shown, newest first.`} />
      )}
      <nav class="pager" aria-label="Pages">
        {query.cursor ? <a href={firstPageHref(query, search)}>First page</a> : null}
        {nextHref && search.safeInUrl ? <a href={nextHref}>Next page</a> : null}
      </nav>
    </>
  );
}

/** The list's URL for `query` at `cursor` (none: the first page). A secret searched by hash stays out of it. */
export function listHref(query: ConsoleListQuery, search: Search, cursor: string | undefined): string {
  const params = new URLSearchParams();
  const term = search.wasSecret ? search.term : search.shown;
  if (term) params.set("q", term);
  if (query.status) params.set("status", query.status);
  if (query.sender) params.set("sender", query.sender);
  if (query.label) params.set("label", query.label);
  if (query.instance) params.set("instance", query.instance);
  if (query.since !== undefined) params.set("since", formatDay(query.since));
  if (cursor) params.set("cursor", cursor);
  const text = params.toString();
  return text ? `/console/incidents?${text}` : "/console/incidents";
}

function firstPageHref(query: ConsoleListQuery, search: Search): string {
  return listHref(query, search, undefined);
}
