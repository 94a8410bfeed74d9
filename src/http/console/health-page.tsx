/**
 * @module
 * `GET /console/health`: each Clerk instance's health, checked as the page loads (one paced Clerk call per instance,
 * the same check as `GET /v1/health/clerk`): whether it answers, takes its secret key, and what to fix when not. Under
 * it, the form that checks every false positive since a day again (recheck-form.tsx), for after such a fix.
 */
import type { ClerkHealthStatus, ClerkInstanceHealth } from "../../domain/clerk-health";
import { Time } from "./parts";
import { RecheckForm } from "./recheck-form";

/** Each status in a few words, written out as well as coloured. */
const HEALTH_TEXT: Record<ClerkHealthStatus, string> = {
  ok: "ok",
  unauthorised: "unauthorised",
  misrouted: "misrouted",
  unreachable: "unreachable",
  paced: "not checked",
};

/** The page's content. */
export function HealthPage({
  instances,
  overall,
}: {
  instances: ClerkInstanceHealth[];
  overall: "ok" | "degraded";
}) {
  return (
    <>
      <h1>Clerk health</h1>
      <p class={overall === "ok" ? "notice ok" : "notice error"}>
        {overall === "ok"
          ? "Every Clerk instance answers and takes its secret key."
          : "At least one Clerk instance needs attention, or could not be checked just now: see below."}
      </p>
      <table>
        <caption class="muted">
          Checked as this page loaded: one Clerk call per instance, from its shared budget. Reload to check
          again.
        </caption>
        <thead>
          <tr>
            <th scope="col">Instance</th>
            <th scope="col">Health</th>
            <th scope="col">HTTP status</th>
            <th scope="col">What it means</th>
            <th scope="col">Checked</th>
          </tr>
        </thead>
        <tbody>
          {instances.map((i) => (
            <tr>
              <th scope="row">{i.name}</th>
              <td>
                <span class={`status health-${i.status}`}>{HEALTH_TEXT[i.status]}</span>
              </td>
              <td>{i.httpStatus === undefined ? <span class="muted">none</span> : i.httpStatus}</td>
              <td>{i.detail}</td>
              <td>
                <Time ms={i.checkedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">
        The same check runs on every cron run and logs <code>clerk_instance_unhealthy</code> for an instance
        that is not ok; <code>GET /v1/health/clerk</code> answers it as JSON.
      </p>
      <RecheckForm />
    </>
  );
}
