/**
 * @module
 * `GET /console`: the incident log at a glance. Counts by status, new incidents and revocations per day over 30 days,
 * the time-to-revoke distribution, and what is pending or failed right now.
 */
import type { IncidentOverview, IncidentStatus } from "../../domain/incident";
import { DailyChart, TimeToRevokeChart } from "./charts";
import { STATUS_HELP, STATUS_TEXT } from "./format";
import { IncidentTable } from "./parts";

const ORDER: IncidentStatus[] = ["failed", "pending", "revoked", "not_found", "ignored"];

/** The overview's content. */
export function OverviewPage({ overview }: { overview: IncidentOverview }) {
  const total = ORDER.reduce((sum, s) => sum + overview.byStatus[s], 0);
  return (
    <>
      <h1>Overview</h1>
      <h2 id="counts">Incidents by status</h2>
      <ul class="cards" aria-labelledby="counts">
        {ORDER.map((status) => (
          <li>
            <a href={`/console/incidents?status=${status}`} data-status={status}>
              <strong>{overview.byStatus[status]}</strong>
              {STATUS_TEXT[status]}
              <small>
                <br />
                {STATUS_HELP[status]}
              </small>
            </a>
          </li>
        ))}
      </ul>
      <p class="muted">{total} incidents in all.</p>

      <h2>Needs attention</h2>
      {overview.open.length === 0 ? (
        <p>Nothing is pending or failed.</p>
      ) : (
        <IncidentTable
          items={overview.open}
          caption="Failed first, then pending; most recently changed first."
        />
      )}

      <h2>The last 30 days</h2>
      <div class="charts">
        <DailyChart
          id="alerts"
          caption="New incidents per day"
          days={overview.alertsPerDay}
          className="bar"
        />
        <DailyChart
          id="revocations"
          caption="Revocations per day"
          days={overview.revocationsPerDay}
          className="bar2"
        />
        <TimeToRevokeChart {...overview.timeToRevoke} />
      </div>
    </>
  );
}
