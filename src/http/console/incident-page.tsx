/**
 * @module
 * `GET /console/incidents/{token_hash}`: one incident. What it is and where it stands, the timeline of its sightings
 * (erased details shown as erased), every Clerk call with its status and trace id, and the notification sent. A
 * failed incident can be retried from here.
 */
import { credentialKindOf, isUnrevocable } from "../../domain/credential-kind";
import type { IncidentHistory, IncidentSummary } from "../../domain/incident";
import type { OwnerEmailRecord } from "../../incidents/owner-emails";
import { formatDuration, safeLink } from "./format";
import { Status, Time } from "./parts";

/** What autorevoke did to a live credential, by its kind (domain/credential-kind.ts). */
function Done({ incident: i }: { incident: IncidentSummary }) {
  switch (credentialKindOf(i.tokenType).action) {
    case "revoked":
      return <>Revoked by autorevoke. It cannot be restored.</>;
    case "rotated":
      return (
        <>
          Rotated by autorevoke: the machine's secret key was replaced and the leaked one stopped working at
          once. The machine stops working until its owners deploy the new secret key, which Clerk's dashboard
          shows.
        </>
      );
    case "grant_revoked":
      return (
        <>
          Grant revoked by autorevoke: this access token and every token of its grant, refresh tokens too, no
          longer work. The user has to authorise the application again.
        </>
      );
    case "cannot_be_revoked":
      return (
        <>
          Cannot be revoked: a JWT the instance signed, and Clerk keeps no state for one, so it works until it
          expires
          {i.keyExpiration !== null ? (
            <>
              {" "}
              (<Time ms={i.keyExpiration} />)
            </>
          ) : null}
          . Find out how it leaked and what it can reach.
        </>
      );
  }
}

/** What the verdict rests on, in a sentence: who killed the key, or what Clerk's 404 was based on. */
function Verdict({ incident: i }: { incident: IncidentSummary }) {
  if (i.status === "revoked") {
    switch (i.alreadyInactive) {
      case "revoked_elsewhere":
        return (
          <>
            Already revoked in Clerk before autorevoke saw it; nothing was revoked again.
            {i.clerkRevocationReason ? <> Clerk's reason: “{i.clerkRevocationReason}”.</> : null}
          </>
        );
      case "expired":
        return (
          <>
            Already expired in Clerk
            {i.keyExpiration !== null ? (
              <>
                {" "}
                (<Time ms={i.keyExpiration} />)
              </>
            ) : null}
            ; nothing was revoked.
          </>
        );
      case "deleted":
        return <>Deleted in Clerk between its verify and its revoke; nothing was left to revoke.</>;
      case null:
        return <Done incident={i} />;
    }
  }
  if (i.status === "not_found") {
    return (
      <>
        Clerk does not know this token
        {i.checkedAt !== null ? (
          <>
            {" "}
            (asked <Time ms={i.checkedAt} />, under configuration <code>{i.verdictConfig ?? "unknown"}</code>)
          </>
        ) : (
          " (asked before configurations were recorded)"
        )}
        . A sighting after a configuration change, or a day later, asks again.
      </>
    );
  }
  return null;
}

function Facts({ history }: { history: IncidentHistory }) {
  const i = history.incident;
  const row = (term: string, value: unknown) => (
    <>
      <dt>{term}</dt>
      <dd>{value ?? <span class="muted">–</span>}</dd>
    </>
  );
  return (
    <dl class="facts">
      {row("Status", <Status status={i.status} />)}
      {row("Label", i.label?.replace("_", " "))}
      {row("Verdict", i.status === "revoked" || i.status === "not_found" ? <Verdict incident={i} /> : null)}
      {row("Token", <code>{i.tokenPrefix}</code>)}
      {row("Token hash", <code>{i.tokenHash}</code>)}
      {row(
        "Credential",
        <>
          {credentialKindOf(i.tokenType).noun} <small class="muted">({i.tokenType})</small>
        </>,
      )}
      {row("Key id", i.keyId ? <code>{i.keyId}</code> : null)}
      {row("Key name", i.keyName)}
      {row("Owner (subject)", i.keySubject ? <code>{i.keySubject}</code> : null)}
      {row("Clerk instance", i.instance)}
      {row("Reported by", i.senders.join(", "))}
      {row("First seen", <Time ms={i.firstSeenAt} />)}
      {row("Last seen", <Time ms={i.lastSeenAt} />)}
      {row(
        isUnrevocable(i.tokenType) ? "Final" : "Revoked",
        i.revokedAt === null ? null : (
          <>
            <Time ms={i.revokedAt} /> ({formatDuration(i.revokedAt - i.firstSeenAt)} after the first sighting)
          </>
        ),
      )}
      {row("Attempts", i.attempts)}
      {row("Next attempt", i.nextAttemptAt === null ? null : <Time ms={i.nextAttemptAt} />)}
      {row("Last error", i.lastError ? <code>{i.lastError}</code> : null)}
      {row("Last Clerk trace id", i.clerkTraceId ? <code>{i.clerkTraceId}</code> : null)}
    </dl>
  );
}

function Sightings({ history }: { history: IncidentHistory }) {
  if (history.sightings.length === 0) return <p>No sightings.</p>;
  return (
    <ol class="timeline">
      {history.sightings.map((s) => {
        const link = s.url === null ? undefined : safeLink(s.url);
        return (
          <li>
            <Time ms={s.lastSeenAt} /> · <strong>{s.sender}</strong>
            {s.timesSeen > 1 ? (
              <>
                {" "}
                · seen {s.timesSeen} times since <Time ms={s.firstSeenAt} />
              </>
            ) : null}
            <div>
              {s.erased ? (
                <span class="erased">
                  Details erased (kept 30 days): where and how it was found are gone.
                </span>
              ) : (
                <>
                  {link ? (
                    <a href={link} rel="noreferrer noopener">
                      {s.url}
                    </a>
                  ) : (
                    <code>{s.url ?? "no url"}</code>
                  )}
                  {s.source ? <span class="muted"> · {s.source}</span> : null}
                  {s.type ? <span class="muted"> · reported as {s.type}</span> : null}
                </>
              )}
            </div>
          </li>
        );
      })}
      {history.truncated.sightings ? <li class="muted">Older sightings are not shown.</li> : null}
    </ol>
  );
}

function ClerkCalls({ history }: { history: IncidentHistory }) {
  if (history.attempts.length === 0) return <p>No Clerk call yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Call</th>
          <th scope="col">Outcome</th>
          <th scope="col">HTTP status</th>
          <th scope="col">Trace id</th>
          <th scope="col">Instance</th>
          <th scope="col">Error</th>
        </tr>
      </thead>
      <tbody>
        {history.attempts.map((a) => (
          <tr>
            <td>
              <Time ms={a.at} />
            </td>
            <td>{a.operation}</td>
            <td>{a.outcome.replace("_", " ")}</td>
            <td>{a.status ?? <span class="muted">none (timeout or network)</span>}</td>
            <td>{a.traceId ? <code>{a.traceId}</code> : <span class="muted">–</span>}</td>
            <td>{a.instance ?? <span class="muted">–</span>}</td>
            <td>{a.error ? <code>{a.error}</code> : <span class="muted">–</span>}</td>
          </tr>
        ))}
      </tbody>
      {history.truncated.attempts ? <caption class="muted">Older calls are not shown.</caption> : null}
    </table>
  );
}

function Notification({ history }: { history: IncidentHistory }) {
  const n = history.notification;
  if (n.deliveredAt === null && n.owedEvent === null && n.lastError === null)
    return <p>None sent: the incident has not ended, or NOTIFY_URL is not set.</p>;
  return (
    <dl class="facts">
      {n.deliveredAt !== null ? (
        <>
          <dt>Delivered</dt>
          <dd>
            <Time ms={n.deliveredAt} />
          </dd>
        </>
      ) : null}
      {n.owedEvent !== null ? (
        <>
          <dt>Owed</dt>
          <dd>
            <code>{n.owedEvent}</code>
            {n.queuedAt !== null ? (
              <>
                , queued <Time ms={n.queuedAt} />
              </>
            ) : (
              ", not queued yet"
            )}
          </dd>
        </>
      ) : null}
      {n.lastError !== null ? (
        <>
          <dt>Last delivery error</dt>
          <dd>
            <code>{n.lastError}</code>
          </dd>
        </>
      ) : null}
    </dl>
  );
}

/**
 * Retrying asks for a confirmation: the box must be ticked, in the browser and again on the server. A `not_found` is
 * retried the same way, as a re-check: Clerk is asked again, and a live key is revoked.
 */
function RetryForm({ tokenHash, recheck }: { tokenHash: string; recheck: boolean }) {
  return (
    <form class="action" method="post" action={`/console/incidents/${tokenHash}/retry`}>
      <h2>{recheck ? "Check again" : "Retry"}</h2>
      <p>
        {recheck
          ? "Asks Clerk again whether it knows this token, as after a configuration was fixed: a live key is revoked."
          : "Puts the incident back in line: the queue calls Clerk again at once, with a fresh budget of failures."}
      </p>
      <div class="field">
        <input id="confirm-retry" name="confirm" type="checkbox" value="yes" required />{" "}
        <label for="confirm-retry" class="inline">
          {recheck ? "Yes, check this token with Clerk again" : "Yes, retry revoking this key"}
        </label>
      </div>
      <button type="submit">{recheck ? "Check now" : "Retry now"}</button>
    </form>
  );
}

/** The incident's content. */
/** Words for why an owner email was not sent. */
const NOT_SENT_WORDS: Record<string, string> = {
  no_owner_to_email: "the key belongs to a machine or an OAuth client, which no email reaches",
  owner_has_no_email_address: "the owner has no email address in Clerk",
  owner_lookup_not_found: "the owner is no longer in Clerk",
  send_interrupted: "the send was interrupted; it is not sent again, so that nobody gets it twice",
  email_refused:
    "the Email Service refused the address (on the free plan it sends only to verified addresses)",
  email_send_failed: "the Email Service failed for longer than the give-up window",
  erased: "it was owed for longer than sightings are kept",
};

/** The key owner's email: who was told and when, or why nobody was. Operators see the addresses in full. */
function OwnerEmail({ record }: { record: OwnerEmailRecord | undefined }) {
  if (!record)
    return (
      <p class="muted">
        No owner email was owed (none is for a key that was already dead, or while owner emails are off).
      </p>
    );
  switch (record.state) {
    case "sent":
      return (
        <p>
          Sent to{" "}
          {record.recipients.map((r, i) => (
            <>
              {i > 0 ? ", " : ""}
              <code>{r}</code>
            </>
          ))}{" "}
          {record.sentAt !== null ? (
            <>
              at <Time ms={record.sentAt} />
            </>
          ) : null}
          .
        </p>
      );
    case "not_sent": {
      const reason = record.reason ?? "unknown";
      return (
        <p>
          Not sent: {NOT_SENT_WORDS[reason] ?? "looking the owner up in Clerk failed (see the reason)"}{" "}
          <code>{reason}</code>.
        </p>
      );
    }
    default:
      return <p>Owed: the owner is being looked up in Clerk, then told.</p>;
  }
}

export function IncidentPage({
  history,
  ownerEmail,
}: {
  history: IncidentHistory;
  ownerEmail?: OwnerEmailRecord | undefined;
}) {
  const i = history.incident;
  return (
    <>
      <h1>
        Incident <code>{i.tokenPrefix}</code> <Status status={i.status} />
      </h1>
      {i.status === "failed" || i.status === "not_found" ? (
        <RetryForm tokenHash={i.tokenHash} recheck={i.status === "not_found"} />
      ) : null}
      <Facts history={history} />
      <h2>Sightings</h2>
      <Sightings history={history} />
      <h2>Clerk calls</h2>
      <ClerkCalls history={history} />
      <h2>Notification</h2>
      <Notification history={history} />
      <h2>Owner email</h2>
      <OwnerEmail record={ownerEmail} />
    </>
  );
}
