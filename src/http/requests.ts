/**
 * @module
 * What the API accepts: query, path and body schemas (valibot). The OpenAPI document is generated from these same
 * schemas, so the docs cannot drift from what the Worker enforces.
 */
import * as v from "valibot";
import { MatchSchema } from "../domain/alert-body";
import {
  ClerkKeyIdSchema,
  ClerkM2MTokenIdSchema,
  ClerkMachineIdSchema,
  isClerkSecretShape,
} from "../domain/clerk-ids";
import { GITHUB_APP_SENDER } from "../domain/github-app-delivery";
import { GITLAB_REVOCATION_SENDER } from "../domain/gitlab-revocation";
import { IncidentStatusSchema, LabelSchema, TokenHashSchema } from "../domain/incident";
import { REVOCATION_REASON } from "../domain/outcome";
import { SENDER_NAMES } from "../domain/senders";
import { decodeCursor } from "./cursor";

/** Items per page unless `limit` says otherwise, and the most it may say. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** Longest revocation reason Clerk is sent. */
export const MAX_REASON_CHARS = 255;

/** Who can appear as a sighting's sender: the alert senders, and operators revoking by hand. */
export const INCIDENT_SENDERS = [
  ...SENDER_NAMES,
  GITLAB_REVOCATION_SENDER,
  GITHUB_APP_SENDER,
  "manual",
] as const;

const msEpoch = v.pipe(v.string(), v.regex(/^\d{1,15}$/), v.transform(Number));
const isoTimestamp = v.pipe(v.string(), v.isoTimestamp(), v.transform(Date.parse));
const isoDate = v.pipe(v.string(), v.isoDate(), v.transform(Date.parse));

/** A Clerk instance's name, as `CLERK_SECRET_KEYS` names them (`default` for `CLERK_SECRET_KEY`). */
const InstanceName = v.pipe(
  v.string(),
  v.regex(/^[a-z0-9][a-z0-9-]{0,31}$/),
  v.description("a Clerk instance, as named in CLERK_SECRET_KEYS (default for CLERK_SECRET_KEY)"),
);

/** `GET /v1/incidents` query. Unknown parameters are refused: a typo must not widen the result. */
export const IncidentListQuerySchema = v.strictObject({
  status: v.optional(IncidentStatusSchema),
  sender: v.optional(v.picklist(INCIDENT_SENDERS)),
  instance: v.optional(InstanceName),
  label: v.optional(LabelSchema),
  since: v.optional(
    v.pipe(
      v.union([msEpoch, isoTimestamp, isoDate]),
      v.description("first seen at or after: ISO 8601 (date or date-time) or ms since the epoch"),
      v.number(),
      v.finite(),
    ),
  ),
  cursor: v.optional(
    v.pipe(
      v.string(),
      v.maxLength(120),
      v.description("`next_cursor` of the previous page"),
      v.transform(decodeCursor),
      v.object({ firstSeenAt: v.number(), tokenHash: v.string() }),
    ),
  ),
  limit: v.optional(
    v.pipe(
      v.string(),
      // No 0 and no leading zero, so that the document's pattern refuses what the Worker refuses.
      v.regex(/^[1-9]\d{0,2}$/),
      v.description(`page size, 1 to ${MAX_PAGE_SIZE}; default ${DEFAULT_PAGE_SIZE}`),
      v.transform(Number),
      v.number(),
      v.minValue(1),
      v.maxValue(MAX_PAGE_SIZE),
    ),
  ),
});

/** `{token_hash}` in a path: hex SHA-256, either case (lowercased). */
export const TokenHashParamSchema = v.object({
  token_hash: v.pipe(
    v.string(),
    // Before lowercasing, so the document (in input mode it stops at TokenHashSchema) shows what a client may send.
    v.regex(/^[0-9a-fA-F]{64}$/),
    v.description("SHA-256 of the token, hex"),
    v.toLowerCase(),
    TokenHashSchema,
  ),
});

/** `POST /v1/rechecks`: check again every `not_found` verdict given since a time. */
export const RecheckRequestSchema = v.strictObject({
  since: v.pipe(
    v.string(),
    v.union([isoTimestamp, isoDate]),
    v.description("verdicts given at or after this time: ISO 8601 (date or date-time)"),
    v.number(),
    v.finite(),
  ),
});

const Reason = v.optional(
  v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(MAX_REASON_CHARS)),
  REVOCATION_REASON,
);

const InstanceField = v.optional(
  v.pipe(
    InstanceName,
    v.description("the Clerk instance the credential belongs to; required when several are configured"),
  ),
);

/** `POST /v1/revocations`: a leaked secret, the id of a key or M2M token to revoke, or a machine to rotate; one only. */
export const RevocationRequestSchema = v.union([
  v.strictObject({
    secret: v.pipe(
      v.string(),
      v.check(isClerkSecretShape),
      v.description(
        "a leaked Clerk credential: an API key or machine secret key (ak_…), an M2M token (mt_…), an OAuth access " +
          "token (oat_…), each then 16 to 256 printable ASCII characters, or a JWT-format M2M or OAuth token",
      ),
    ),
    reason: Reason,
  }),
  v.strictObject({
    key_id: v.pipe(
      v.union([ClerkKeyIdSchema, ClerkM2MTokenIdSchema]),
      v.description("a Clerk API key id (ak_ and 32 hex digits) or M2M token id (mt_ and 32 hex digits)"),
    ),
    instance: InstanceField,
    reason: Reason,
  }),
  v.strictObject({
    machine_id: v.pipe(
      ClerkMachineIdSchema,
      v.description(
        "a Clerk machine (mch_…): its secret key is rotated, and the old one stops working at once",
      ),
    ),
    instance: InstanceField,
  }),
]);

/**
 * An alert body as the document describes it: a non-empty array of matches. `parseAlertBody` enforces it after the
 * signature check, match by match, so one invalid match is skipped rather than failing the batch.
 */
export const AlertBodySchema = v.pipe(v.array(MatchSchema), v.minLength(1));

export type RevocationRequest = v.InferOutput<typeof RevocationRequestSchema>;

/**
 * `POST /v1/gitlab/revoke_tokens` body: GitLab's `[{type, token, location}]`. Other fields are allowed, since GitLab
 * may add some; a token is held to an alert's limits.
 */
export const GitlabRevokeTokensSchema = v.pipe(
  v.array(
    v.object({
      type: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
      token: MatchSchema.entries.token,
      location: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(2048)))),
    }),
  ),
  v.minLength(1),
  v.maxLength(10_000),
);
