/**
 * @module
 * Every refusal the Worker answers, as one tagged union, and the one place each becomes HTTP: status, generic body,
 * headers. Routes and middleware throw `refuse(problem)`; the app's error handler renders it. Bodies never echo input
 * (a request may carry a live secret) and never say which check failed beyond what the caller needs to fix its
 * request: the detail goes to the log where the refusal is made.
 */
import type { BodyError } from "../domain/alert-body";
import type { InstanceError } from "../use-cases/revoke-manually";

/** A request the Worker refuses, and why. */
export type Problem =
  /** The core configuration is invalid: every route but /health is off. */
  | { kind: "misconfigured" }
  /** An optional feature (a sender, the operators' API) is switched off by a bad setting. */
  | { kind: "feature_off" }
  | { kind: "no_such_route" }
  | { kind: "no_such_sender" }
  | { kind: "no_such_incident" }
  /** No operator credentials, or wrong ones. `invalid` when some were presented. */
  | { kind: "unauthenticated"; invalid: boolean }
  | { kind: "too_many_attempts"; retryAfterSeconds: number }
  | { kind: "bad_signature" }
  | { kind: "bad_revocation_token" }
  | { kind: "unsupported_token_type" }
  | { kind: "keys_unavailable" }
  | { kind: "body_too_large"; limitBytes: number }
  | { kind: "not_json" }
  | { kind: "invalid_input"; target: "query" | "param" | "json"; fields: readonly string[] }
  | { kind: "invalid_alert"; reason: BodyError }
  | { kind: "instance"; error: InstanceError }
  | { kind: "not_retryable" }
  /** The console's Cloudflare Access token is missing or does not verify. */
  | { kind: "access_denied" }
  /** A state-changing console request from another site (CSRF). */
  | { kind: "cross_site" }
  /** A console action whose confirmation box was not ticked. */
  | { kind: "not_confirmed" }
  | { kind: "internal" };

/** The realm named in `WWW-Authenticate`. */
export const ADMIN_REALM = "autorevoke";

/** The body of every switched-off feature's answer. */
export const FEATURE_OFF_ERROR = "This feature is misconfigured; see the Worker's logs.";

const INPUT_MESSAGES = {
  query: "Invalid query parameters; see /docs.",
  param: "Invalid path parameter; see /docs.",
  json: "Invalid request body; see /docs.",
} as const;

const ALERT_MESSAGES: Record<BodyError, string> = {
  not_json: "The body must be JSON: an array of matches.",
  not_array: "The body must be a JSON array of matches.",
  empty: "The body must hold at least one match.",
};

/** A refusal as HTTP. */
export interface Rendered {
  status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503;
  body: { error: string; fields?: string[] };
  headers?: Record<string, string>;
}

function instanceMessage(error: InstanceError): string {
  switch (error.kind) {
    case "unknown_instance":
      return `No Clerk instance is named ${error.named}; configured: ${error.configured.join(", ")}.`;
    case "instance_required":
      return `Several Clerk instances are configured (${error.configured.join(", ")}): name the key's in "instance".`;
    case "not_an_id":
      return "That is not a Clerk id: an API key's (ak_ and 32 hex digits), an M2M token's (mt_ and 32 hex digits) or a machine's (mch_…).";
  }
}

/** The one mapping from a refusal to HTTP. Exhaustive: a new kind does not compile until it is rendered here. */
export function render(problem: Problem): Rendered {
  switch (problem.kind) {
    case "misconfigured":
      return { status: 503, body: { error: "autorevoke is misconfigured; see the Worker's logs." } };
    case "feature_off":
      // 503 rather than 404: the route exists, and a sender that retries should.
      return { status: 503, body: { error: FEATURE_OFF_ERROR } };
    case "no_such_route":
      return { status: 404, body: { error: "Not found." } };
    case "no_such_sender":
      return { status: 404, body: { error: "No such sender, or it is not configured." } };
    case "no_such_incident":
      return { status: 404, body: { error: "No such incident." } };
    case "unauthenticated":
      return {
        status: 401,
        body: { error: "Missing or invalid bearer token." },
        headers: {
          "WWW-Authenticate": problem.invalid
            ? `Bearer realm="${ADMIN_REALM}", error="invalid_token"`
            : `Bearer realm="${ADMIN_REALM}"`,
        },
      };
    case "too_many_attempts":
      return {
        status: 429,
        body: { error: "Too many failed attempts; try again later." },
        headers: { "Retry-After": String(problem.retryAfterSeconds) },
      };
    case "bad_signature":
      return { status: 401, body: { error: "Invalid or missing signature." } };
    case "bad_revocation_token":
      return { status: 401, body: { error: "Missing or invalid revocation token." } };
    case "unsupported_token_type":
      return {
        status: 400,
        body: {
          error: "A token type is not one autorevoke revokes; see GET /v1/gitlab/revocable_token_types.",
        },
      };
    case "keys_unavailable":
      return { status: 503, body: { error: "Signature keys are unavailable; try again later." } };
    case "body_too_large":
      return { status: 413, body: { error: `The body exceeds ${problem.limitBytes} bytes.` } };
    case "not_json":
      return { status: 415, body: { error: "The body must be JSON (Content-Type: application/json)." } };
    case "invalid_input": {
      const error = INPUT_MESSAGES[problem.target];
      return {
        status: 400,
        body: problem.fields.length > 0 ? { error, fields: [...problem.fields] } : { error },
      };
    }
    case "invalid_alert":
      return { status: 400, body: { error: ALERT_MESSAGES[problem.reason] } };
    case "instance":
      return { status: 400, body: { error: instanceMessage(problem.error) } };
    case "not_retryable":
      return {
        status: 409,
        body: { error: "Only a failed incident, or a not-found one whose secret is kept, can be retried." },
      };
    case "access_denied":
      return {
        status: 403,
        body: { error: "Cloudflare Access did not vouch for this request; sign in again." },
      };
    case "cross_site":
      return {
        status: 403,
        body: { error: "Refused: this request came from another site, not from autorevoke itself." },
      };
    case "not_confirmed":
      return { status: 400, body: { error: "Nothing was done: the confirmation box was not ticked." } };
    case "internal":
      return { status: 500, body: { error: "Internal error." } };
  }
}

/** A refusal on its way to the app's error handler. */
export class Refusal extends Error {
  constructor(readonly problem: Problem) {
    super(problem.kind);
    this.name = "Refusal";
  }
}

/** Refuses the request: throws, and the app's error handler renders `problem`. */
export function refuse(problem: Problem): never {
  throw new Refusal(problem);
}
