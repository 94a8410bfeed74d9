/**
 * @module
 * What a GitHub App's webhook delivery asks of autorevoke, as pure parsing: the alert to fetch (an installation, a
 * repository, an alert number), a `ping`, or nothing. GitHub's `secret_scanning_alert` payload carries no secret (the
 * App reads it over REST), so a delivery is only ever a pointer; the fields checked are the ones the pointer needs,
 * and extra ones are ignored.
 *
 * A hook may be configured to send `form` (GitHub's default content type): the body is then
 * `payload=<URL-encoded JSON>`. Both arrive here as the parsed JSON.
 */
import * as v from "valibot";

/** The sender name of a GitHub App's deliveries on sightings and in the log. */
export const GITHUB_APP_SENDER = "github_app";

/** The sighting's `source` for an alert read from GitHub's REST API. */
export const GITHUB_APP_SOURCE = "github_secret_scanning";

/**
 * The actions that can mean a live secret: a new alert, one reopened, one found in public, one whose validity GitHub
 * checked, and a new location of an alert already known (its secret may have been put back). The rest (`resolved`,
 * `assigned`, `metadata_*` …) say nothing new about the secret.
 */
const ALERT_ACTIONS = new Set(["created", "reopened", "publicly_leaked", "validated"]);
const LOCATION_ACTIONS = new Set(["created"]);

/** What a delivery asks for. */
export type GithubDelivery =
  | {
      kind: "alert";
      installationId: number;
      repositoryId: number;
      owner: string;
      repo: string;
      number: number;
    }
  | { kind: "ping" }
  | { kind: "ignored"; reason: string };

const PositiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));
/** GitHub's owner and repository names: letters, digits, `-`, `_`, `.` (a path segment, never a path). */
const NameSchema = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9._-]{1,100}$/),
  v.check((s) => s !== "." && s !== ".."),
);

const AlertPayloadSchema = v.object({
  action: v.string(),
  alert: v.object({ number: PositiveInt }),
  repository: v.object({ id: PositiveInt, name: NameSchema, owner: v.object({ login: NameSchema }) }),
  installation: v.optional(v.object({ id: PositiveInt })),
});

/** An alert's name in the log: `owner/repo#number`. */
export const alertName = (alert: { owner: string; repo: string; number: number }) =>
  `${alert.owner}/${alert.repo}#${alert.number}`;

/** Why a delivery cannot be read: its body is not the event's payload. */
export interface BadDelivery {
  kind: "bad_delivery";
  /** The dotted path of the first field at fault, keys only (values are the sender's). */
  path: string;
}

/** Reads a verified delivery: `event` is `X-GitHub-Event`, `payload` the parsed body. */
export function readDelivery(
  event: string | undefined,
  payload: unknown,
): { ok: true; value: GithubDelivery } | { ok: false; error: BadDelivery } {
  if (event === "ping") return { ok: true, value: { kind: "ping" } };
  if (event !== "secret_scanning_alert" && event !== "secret_scanning_alert_location") {
    return { ok: true, value: { kind: "ignored", reason: `event ${event ?? "(none)"}` } };
  }
  const parsed = v.safeParse(AlertPayloadSchema, payload);
  if (!parsed.success) {
    const path = (parsed.issues[0]?.path ?? []).map((p) => String(p.key)).join(".");
    return { ok: false, error: { kind: "bad_delivery", path } };
  }
  const { action, alert, repository, installation } = parsed.output;
  const actions = event === "secret_scanning_alert" ? ALERT_ACTIONS : LOCATION_ACTIONS;
  if (!actions.has(action)) return { ok: true, value: { kind: "ignored", reason: `action ${action}` } };
  // An App's deliveries always name the installation; without one there is no token to read the alert with.
  if (!installation) return { ok: false, error: { kind: "bad_delivery", path: "installation" } };
  return {
    ok: true,
    value: {
      kind: "alert",
      installationId: installation.id,
      repositoryId: repository.id,
      owner: repository.owner.login,
      repo: repository.name,
      number: alert.number,
    },
  };
}

/** How much of the token's hash the comment names: enough to find the incident (`GET /v1/incidents/{hash}`). */
const COMMENT_HASH_CHARS = 16;

/**
 * The comment GitHub shows on the alert autorevoke resolves. It cannot be edited afterwards, so it says what happened
 * and where to look: the incident, by the start of the token's hash (which GitHub's alert, holding the secret
 * itself, gives away nothing by showing).
 */
export function resolutionComment(tokenHash: string): string {
  return (
    `Revoked in Clerk by autorevoke with the reason "Key compromised". ` +
    `Incident ${tokenHash.slice(0, COMMENT_HASH_CHARS)}… in autorevoke's log.`
  );
}
