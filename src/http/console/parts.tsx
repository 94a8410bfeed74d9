/**
 * @module
 * Small pieces every console page uses: a status badge, a token as the console may show it (prefix and hash, never
 * the secret), a time, and a table of incidents.
 */
import { DEFAULT_INSTANCE } from "../../domain/clerk-ids";
import type { IncidentStatus, IncidentSummary } from "../../domain/incident";
import { formatTime, STATUS_HELP, STATUS_TEXT } from "./format";

/** A status, written out and coloured, with what it means on hover. */
export function Status({ status }: { status: IncidentStatus }) {
  return (
    <span class={`status status-${status}`} title={STATUS_HELP[status]}>
      {STATUS_TEXT[status]}
    </span>
  );
}

/** A time in UTC, machine-readable too. */
export function Time({ ms }: { ms: number | null }) {
  if (ms === null) return <span class="muted">–</span>;
  return <time datetime={new Date(ms).toISOString()}>{formatTime(ms)}</time>;
}

/** The link to an incident, named by its token's prefix. */
export function IncidentLink({ incident }: { incident: Pick<IncidentSummary, "tokenHash" | "tokenPrefix"> }) {
  return (
    <a href={`/console/incidents/${incident.tokenHash}`}>
      <code>{incident.tokenPrefix}</code>
    </a>
  );
}

/** Incidents as a table, newest first as given. */
export function IncidentTable({ items, caption }: { items: IncidentSummary[]; caption: string }) {
  return (
    <table>
      <caption class="muted">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Token</th>
          <th scope="col">Status</th>
          <th scope="col">Key</th>
          <th scope="col">Reported by</th>
          <th scope="col">First seen</th>
          <th scope="col">Hash</th>
        </tr>
      </thead>
      <tbody>
        {items.map((i) => (
          <tr>
            <td>
              <IncidentLink incident={i} />
            </td>
            <td>
              <Status status={i.status} />
              {i.label ? <div class="muted">{i.label.replace("_", " ")}</div> : null}
            </td>
            <td>
              {i.keyName ? <div>{i.keyName}</div> : null}
              {i.keyId ? <code>{i.keyId}</code> : <span class="muted">unknown</span>}
              {i.instance && i.instance !== DEFAULT_INSTANCE ? (
                <div class="muted">instance {i.instance}</div>
              ) : null}
            </td>
            <td>{i.senders.join(", ")}</td>
            <td>
              <Time ms={i.firstSeenAt} />
            </td>
            <td>
              <code title={i.tokenHash}>{i.tokenHash.slice(0, 12)}…</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
