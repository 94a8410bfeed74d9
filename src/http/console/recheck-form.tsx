/**
 * @module
 * The console's way to `POST /v1/rechecks`: check every `false_positive` verdict given since a day with Clerk again,
 * after a setting that was wrong (another instance's secret key, a wrong CLERK_API_URL) may have produced them. It
 * sits under the health table, where an operator who has just fixed such a setting looks, and on a page of its own
 * when a submission is refused.
 */
import { RECHECK_CHUNK, RECHECK_CHUNK_INTERVAL_SECONDS } from "../../domain/recheck-pace";

export interface RecheckFormProps {
  /** Why the last submission was refused, in words (never what was typed). */
  error?: string | undefined;
}

/** The form, with what it does said first. */
export function RecheckForm({ error }: RecheckFormProps) {
  return (
    <form class="action" method="post" action="/console/rechecks" aria-labelledby="recheck">
      <h2 id="recheck">Check false positives again</h2>
      {error ? (
        <p class="notice error" role="alert" id="recheck-error">
          {error}
        </p>
      ) : null}
      <p class="muted">
        While a setting was wrong, Clerk may have called live keys unknown. Once every instance above is ok,
        check each token labelled <code>false_positive</code> since that day with Clerk again. The queue asks
        Clerk at background priority, {RECHECK_CHUNK} tokens every {RECHECK_CHUNK_INTERVAL_SECONDS} s, and
        revokes any key Clerk now knows. Tokens Clerk still does not know stay <code>false_positive</code>.
      </p>
      <div class="field">
        <label for="recheck-since">
          Since <small>verdicts given from 00:00 UTC that day on</small>
        </label>
        <input id="recheck-since" name="since" type="date" required />
      </div>
      <div class="field">
        <input id="recheck-confirm" name="confirm" type="checkbox" value="yes" required />{" "}
        <label for="recheck-confirm" class="inline">
          Yes, ask Clerk about each of them again
        </label>
      </div>
      <button type="submit">Check again</button>
    </form>
  );
}

/** The form alone, after a refusal. */
export function RecheckPage({ error }: RecheckFormProps) {
  return (
    <>
      <h1>Check false positives again</h1>
      <RecheckForm error={error} />
      <p>
        <a href="/console/health">Back to Clerk health</a>
      </p>
    </>
  );
}
