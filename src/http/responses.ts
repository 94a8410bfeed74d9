/**
 * @module
 * What the API answers: valibot schemas, the single description of the responses (the OpenAPI document is
 * generated from them and the tests parse every answer with them), and the mapping from the domain's records to these
 * shapes: snake_case, ISO 8601 times.
 */

import * as v from "valibot";
import type { AttemptRecord } from "../domain/attempt";
import { AttemptOperationSchema, AttemptOutcomeSchema } from "../domain/attempt";
import { CLERK_HEALTH_STATUSES, type ClerkInstanceHealth, overallClerkHealth } from "../domain/clerk-health";
import { credentialKindOf } from "../domain/credential-kind";
import {
  AlreadyInactiveSchema,
  type IncidentHistory,
  IncidentStatusSchema,
  type IncidentSummary,
  LabelSchema,
  type SightingRecord,
  TokenHashSchema,
} from "../domain/incident";
import type { ManualRevocation } from "../use-cases/revoke-manually";

const IsoTime = v.pipe(v.string(), v.isoTimestamp(), v.description("ISO 8601, UTC"));
const TokenHash = v.pipe(TokenHashSchema, v.description("SHA-256 of the token, hex"));

/** `GET /v1/gitlab/revocable_token_types`. */
export const GitlabTokenTypesSchema = v.object({ types: v.array(v.string()) });

/** `GET /health`. */
export const HealthSchema = v.object({ status: v.literal("ok") });

/** `POST /v1/alerts/{sender}` answers: a label for every token whose label is known. */
export const FeedbackSchema = v.array(
  v.object({
    token_hash: TokenHash,
    token_type: v.pipe(v.string(), v.description("the match's type, as sent")),
    label: LabelSchema,
  }),
);

/** An incident as listed. Never the sealed secret. */
export const IncidentItemSchema = v.object({
  token_hash: TokenHash,
  token_prefix: v.pipe(v.string(), v.description("first characters of the token, for humans")),
  token_type: v.pipe(
    v.string(),
    v.description(
      "autorevoke's classification of the token: clerk_api_key (shaped like a Clerk API key secret), " +
        "clerk_machine_secret_key (an ak_ that was a machine's secret key: key_id and key_subject are the machine), " +
        "clerk_m2m_token (an opaque M2M token: key_id is the token's id and key_subject its machine), " +
        "clerk_oauth_access_token (an opaque OAuth access token: key_subject is its OAuth client, key_name the " +
        "application), clerk_m2m_jwt and clerk_oauth_jwt (JWT-format tokens the instance signed), clerk_api_key_id, " +
        "clerk_m2m_token_id and clerk_machine_id (an operator's action by id), or other; the sender's own type is on " +
        "the sightings, until they are erased",
    ),
  ),
  action: v.pipe(
    v.picklist(["revoked", "rotated", "grant_revoked", "cannot_be_revoked"]),
    v.description(
      "what autorevoke does to a live credential of this kind: revoked; rotated (a machine secret key: the machine " +
        "stops working until its owners deploy the new one); grant_revoked (an OAuth access token and its grant); " +
        "cannot_be_revoked (a JWT: it works until key_expiration). A `revoked` incident of a JWT kind is final, " +
        "not revoked",
    ),
  ),
  status: IncidentStatusSchema,
  label: v.nullable(LabelSchema),
  key_id: v.nullable(v.string()),
  key_name: v.nullable(v.string()),
  key_subject: v.nullable(v.string()),
  instance: v.pipe(
    v.nullable(v.string()),
    v.description("the Clerk instance that knows the key (CLERK_SECRET_KEYS name); null until one answered"),
  ),
  attempts: v.pipe(v.number(), v.integer(), v.description("resolution attempts (claims) so far")),
  last_error: v.nullable(v.string()),
  clerk_trace_id: v.nullable(v.string()),
  first_seen_at: IsoTime,
  last_seen_at: IsoTime,
  revoked_at: v.nullable(IsoTime),
  already_inactive: v.pipe(
    v.nullable(AlreadyInactiveSchema),
    v.description(
      "for a revoked incident whose key was dead before autorevoke revoked it: revoked_elsewhere, expired or " +
        "deleted (still true_positive; nothing was revoked); null when autorevoke revoked it",
    ),
  ),
  clerk_revocation_reason: v.pipe(
    v.nullable(v.string()),
    v.description("Clerk's revocation reason, for a key revoked elsewhere"),
  ),
  key_expiration: v.pipe(
    v.nullable(IsoTime),
    v.description("when the key expires or expired, if it has an expiry"),
  ),
  checked_at: v.pipe(
    v.nullable(IsoTime),
    v.description("when Clerk last said it does not know the token (not_found)"),
  ),
  verdict_config: v.pipe(
    v.nullable(v.string()),
    v.description(
      "the Clerk configuration that gave the not_found verdict: instance names and a hash of their keys and URL; " +
        "a sighting under another configuration verifies the token again. While a key Clerk knew is not yet " +
        "revoked: the configuration of the instance that knew it, under which alone a 404 means deleted",
    ),
  ),
  senders: v.pipe(v.array(v.string()), v.description("senders that reported the token, sorted")),
});

/** One page of incidents, newest first. */
export const IncidentPageSchema = v.object({
  items: v.array(IncidentItemSchema),
  next_cursor: v.pipe(
    v.nullable(v.string()),
    v.description(
      "pass as `cursor` for the next page; null at the end. A filtered page reads a bounded stretch of the log, so it may hold fewer items than `limit`, even none, and still have a next page",
    ),
  ),
});

/** Where a token was seen. `url`, `source` and `type` are erased after 30 days. */
export const SightingSchema = v.object({
  sender: v.string(),
  url: v.nullable(v.string()),
  source: v.nullable(v.string()),
  type: v.nullable(v.string()),
  first_seen_at: IsoTime,
  last_seen_at: IsoTime,
  times_seen: v.pipe(v.number(), v.integer()),
  erased: v.boolean(),
});

/** One Clerk call made for the incident. */
export const AttemptSchema = v.object({
  at: IsoTime,
  operation: AttemptOperationSchema,
  outcome: AttemptOutcomeSchema,
  status: v.nullable(v.pipe(v.number(), v.integer())),
  error: v.nullable(v.string()),
  clerk_trace_id: v.nullable(v.string()),
  instance: v.pipe(v.nullable(v.string()), v.description("the Clerk instance called")),
});

/** An incident with its history; sightings and attempts newest first, at most 500 of each. */
export const IncidentDetailSchema = v.object({
  incident: v.intersect([
    IncidentItemSchema,
    v.object({ next_attempt_at: v.nullable(IsoTime), updated_at: IsoTime }),
  ]),
  sightings: v.array(SightingSchema),
  attempts: v.array(AttemptSchema),
  truncated: v.pipe(
    v.object({ sightings: v.boolean(), attempts: v.boolean() }),
    v.description("true when older rows were left out"),
  ),
});

/** What a manual revocation came to. */
export const RevocationOutcomeSchema = v.picklist([
  "revoked",
  "already_revoked",
  "cannot_be_revoked",
  "queued",
  "not_found",
  "failed",
]);

/** The answer to `POST /v1/revocations`. */
export const RevocationResultSchema = v.object({
  token_hash: TokenHash,
  key_id: v.nullable(v.string()),
  status: IncidentStatusSchema,
  label: v.nullable(LabelSchema),
  outcome: RevocationOutcomeSchema,
});

/** The answer to `POST /v1/incidents/{token_hash}/retry`. */
export const RetryResultSchema = v.object({
  token_hash: TokenHash,
  status: v.literal("pending"),
  outcome: v.literal("queued"),
});

/** The answer to `POST /v1/rechecks`. */
export const RecheckResultSchema = v.object({
  since: v.string(),
  reopened: v.pipe(
    v.number(),
    v.description("incidents reopened and queued by this request (the first chunk)"),
  ),
  more: v.pipe(v.boolean(), v.description("whether further chunks follow, in the background")),
});
/** The answer to `POST /v1/rechecks`. */
export type RecheckResult = v.InferOutput<typeof RecheckResultSchema>;

export const MachineRefreshSchema = v.object({
  instances: v.array(
    v.object({
      name: v.pipe(v.string(), v.description("the Clerk instance")),
      machines: v.pipe(
        v.nullable(v.number()),
        v.description("machines listed now; null when the listing stopped"),
      ),
      hashed: v.pipe(v.number(), v.description("secret key hashes read now")),
      stopped: v.optional(
        v.pipe(
          v.string(),
          v.description("why the refresh stopped early (Clerk's pace or a failure); the cron goes on"),
        ),
      ),
    }),
  ),
});
/** The answer to `POST /v1/machines/refresh`. */
export type MachineRefresh = v.InferOutput<typeof MachineRefreshSchema>;

/** Every error: a generic message that never echoes input, and for a 400 the names of the bad fields. */
export const ErrorSchema = v.object({
  error: v.string(),
  fields: v.optional(v.array(v.string())),
});

export type Health = v.InferOutput<typeof HealthSchema>;
export type Feedback = v.InferOutput<typeof FeedbackSchema>;
export type IncidentItem = v.InferOutput<typeof IncidentItemSchema>;
export type IncidentPage = v.InferOutput<typeof IncidentPageSchema>;
export type IncidentDetail = v.InferOutput<typeof IncidentDetailSchema>;
export type Sighting = v.InferOutput<typeof SightingSchema>;
export type AttemptView = v.InferOutput<typeof AttemptSchema>;
export type RevocationResult = v.InferOutput<typeof RevocationResultSchema>;
export type RetryResult = v.InferOutput<typeof RetryResultSchema>;

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** An incident as the list shows it. */
export const toIncidentItem = (i: IncidentSummary): IncidentItem => ({
  token_hash: i.tokenHash,
  token_prefix: i.tokenPrefix,
  token_type: i.tokenType,
  action: credentialKindOf(i.tokenType).action,
  status: i.status,
  label: i.label,
  key_id: i.keyId,
  key_name: i.keyName,
  key_subject: i.keySubject,
  instance: i.instance,
  attempts: i.attempts,
  last_error: i.lastError,
  clerk_trace_id: i.clerkTraceId,
  first_seen_at: iso(i.firstSeenAt),
  last_seen_at: iso(i.lastSeenAt),
  revoked_at: isoOrNull(i.revokedAt),
  already_inactive: i.alreadyInactive,
  clerk_revocation_reason: i.clerkRevocationReason,
  key_expiration: isoOrNull(i.keyExpiration),
  checked_at: isoOrNull(i.checkedAt),
  verdict_config: i.verdictConfig,
  senders: i.senders,
});

const toSighting = (s: SightingRecord): Sighting => ({
  sender: s.sender,
  url: s.url,
  source: s.source,
  type: s.type,
  first_seen_at: iso(s.firstSeenAt),
  last_seen_at: iso(s.lastSeenAt),
  times_seen: s.timesSeen,
  erased: s.erased,
});

const toAttempt = (a: AttemptRecord): AttemptView => ({
  at: iso(a.at),
  operation: a.operation,
  outcome: a.outcome,
  status: a.status,
  error: a.error,
  clerk_trace_id: a.traceId,
  instance: a.instance,
});

/** An incident with its history. */
export const toIncidentDetail = (h: IncidentHistory): IncidentDetail => ({
  incident: {
    ...toIncidentItem(h.incident),
    next_attempt_at: isoOrNull(h.incident.nextAttemptAt),
    updated_at: iso(h.incident.updatedAt),
  },
  sightings: h.sightings.map(toSighting),
  attempts: h.attempts.map(toAttempt),
  truncated: h.truncated,
});

/** What a manual revocation came to. */
export const toRevocationResult = (r: ManualRevocation): RevocationResult => ({
  token_hash: r.tokenHash,
  key_id: r.keyId,
  status: r.status,
  label: r.label,
  outcome: r.outcome,
});

/** One Clerk instance's health. Its name only, never its key. */
export const ClerkInstanceHealthSchema = v.object({
  name: v.pipe(v.string(), v.description("the Clerk instance: `default`, or its CLERK_SECRET_KEYS name")),
  status: v.pipe(
    v.picklist(CLERK_HEALTH_STATUSES),
    v.description(
      "ok: Clerk's key route answered and took the secret key; unauthorised: 401/403, fix the secret key; " +
        "misrouted: an answer that is not Clerk's key route (e.g. a 404 without Clerk's error body), fix " +
        "CLERK_API_URL; unreachable: no answer, a timeout or a 5xx; paced: not checked this time (no slot in the " +
        "instance's Clerk budget, or Clerk answered 429)",
    ),
  ),
  http_status: v.pipe(
    v.nullable(v.pipe(v.number(), v.integer())),
    v.description("what CLERK_API_URL answered the probe; null when nothing answered or nothing was asked"),
  ),
  detail: v.pipe(v.string(), v.description("what was seen and what to check, for a person")),
  checked_at: IsoTime,
});

/** The answer to `GET /v1/health/clerk`. */
export const ClerkHealthSchema = v.object({
  status: v.pipe(
    v.picklist(["ok", "degraded"]),
    v.description("ok only when every instance was checked and is ok"),
  ),
  instances: v.array(ClerkInstanceHealthSchema),
});

export type ClerkHealth = v.InferOutput<typeof ClerkHealthSchema>;

/** Every instance's health, and the deployment's. */
export const toClerkHealth = (instances: readonly ClerkInstanceHealth[]): ClerkHealth => ({
  status: overallClerkHealth(instances),
  instances: instances.map((i) => ({
    name: i.name,
    status: i.status,
    http_status: i.httpStatus ?? null,
    detail: i.detail,
    checked_at: iso(i.checkedAt),
  })),
});

/** `POST /v1/github-app/webhook` answers: what became of the delivery. */
export const GithubDeliveryAnswerSchema = v.object({
  status: v.pipe(
    v.picklist(["queued", "ignored", "pong"]),
    v.description(
      "queued: the alert is read and acted on from the queue; ignored: nothing to do; pong: a ping",
    ),
  ),
});
