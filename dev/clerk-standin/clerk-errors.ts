/**
 * @module
 * Every error answer of the stand-in's Clerk API, as a `ClerkErrors` body typed exactly `application/json`, and the
 * one answer that is not Clerk's (`bareNotFound`, for `unknown_routes: bare`). Error codes follow Clerk's style
 * (`resource_not_found`, `form_param_unknown`, ...) but are best guesses where the spec is silent. Messages name
 * parameters and never echo values: a value may be a leaked secret.
 */
import type * as v from "valibot";
import { jsonResponse, randomHex } from "../standin-util.ts";

/** `Retry-After` sent with a scripted 429 that names no value. */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;
/** Non-standard status recorded for a hang the client (or a reset) cut short. */
export const CLIENT_CLOSED_STATUS = 499;

/** A `ClerkErrors` response with one error. */
export function clerkError(
  status: number,
  code: string,
  message: string,
  longMessage: string,
  meta?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Response {
  const error = meta
    ? { code, message, long_message: longMessage, meta }
    : { code, message, long_message: longMessage };
  return jsonResponse(status, { errors: [error], clerk_trace_id: randomHex(16) }, headers);
}

const SCRIPTED_ERRORS: Record<number, [code: string, message: string]> = {
  400: ["bad_request", "Bad Request"],
  401: ["authentication_invalid", "Unauthorized request"],
  403: ["authorization_invalid", "Forbidden"],
  404: ["resource_not_found", "not found"],
  409: ["conflict", "Conflict"],
  422: ["unprocessable_entity", "Unprocessable entity"],
  429: ["too_many_requests", "Too many requests"],
  500: ["internal_clerk_error", "Something went wrong"],
  502: ["bad_gateway", "Bad gateway"],
  503: ["service_unavailable", "Service unavailable"],
  504: ["gateway_timeout", "Gateway timeout"],
};

/** A fault script's or the rate limit's answer; a 429 always carries `Retry-After`, as Clerk's do. */
export function scriptedError(status: number, retryAfterSeconds: number | undefined): Response {
  const [code, message] = SCRIPTED_ERRORS[status] ?? ["unexpected_error", "Unexpected error"];
  const retryAfter = retryAfterSeconds ?? (status === 429 ? DEFAULT_RETRY_AFTER_SECONDS : undefined);
  const headers: Record<string, string> =
    retryAfter === undefined ? {} : { "retry-after": String(retryAfter) };
  return clerkError(status, code, message, `${message} (scripted by the stand-in).`, undefined, headers);
}

/** 401 for a request without `Authorization`. */
export function authorizationMissing(): Response {
  return clerkError(
    401,
    "authorization_header_missing",
    "Authorization header missing",
    "The request is missing the Authorization header. Send `Authorization: Bearer <secret key>`.",
  );
}

/** 401 for a bearer that is not one of the instance's secret keys. */
export function authenticationInvalid(): Response {
  return clerkError(
    401,
    "authentication_invalid",
    "Unauthorized request",
    "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.",
  );
}

/** 404 for a path the API does not serve. */
export function routeNotFound(): Response {
  return clerkError(404, "resource_not_found", "not found", "The requested resource was not found.");
}

/**
 * 404 for a path nothing serves, as a proxy or a host that is not Clerk's API answers it: plain text, no
 * `ClerkErrors`, no trace id, and no authentication asked for first.
 */
export function bareNotFound(): Response {
  return new Response("Not Found", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/**
 * 400 for revoking a key that is already revoked (`second_revoke: refused`). The spec documents a 400 for revoke but
 * not this case; the code is a guess in Clerk's `<resource>_already_<state>` style (`verification_already_verified`).
 */
export function alreadyRevoked(): Response {
  return clerkError(
    400,
    "api_key_already_revoked",
    "API key already revoked",
    "This API key has already been revoked.",
  );
}

/**
 * 400 or 422 for verify of a secret not shaped like Clerk's (`odd_secrets`). The 400 follows the spec's example for
 * verify's 400 (`bad_request`); verify documents no 422, so that code is a guess from Clerk's form errors.
 */
export function oddSecretRefused(status: 400 | 422): Response {
  return status === 400
    ? clerkError(400, "bad_request", "Bad Request", "Invalid 'secret': Failed format check", {
        param_name: "secret",
      })
    : clerkError(
        422,
        "form_param_format_invalid",
        "secret is invalid",
        "secret does not match the expected format.",
        {
          param_name: "secret",
        },
      );
}

/** 400 for an `apiKeyID` path parameter of the wrong shape, before any lookup. */
export function invalidKeyIdParam(): Response {
  return clerkError(
    400,
    "bad_request",
    "Bad Request",
    "Invalid 'url_parameter.apiKeyID': Failed regex check",
    {
      param_name: "apiKeyID",
    },
  );
}

/** 404 for a well-formed key id the instance does not hold. */
export function keyNotFound(id: string): Response {
  return clerkError(404, "resource_not_found", "not found", `No API key was found with id ${id}.`);
}

/** 404 for a secret verify does not accept: the same answer for unknown, revoked and expired keys. */
export function secretNotFound(): Response {
  return clerkError(404, "resource_not_found", "API key not found", "API key not found");
}

/** 504 for a scripted hang that never reached Clerk. */
export function gatewayTimeout(): Response {
  return clerkError(
    504,
    "gateway_timeout",
    "Gateway timeout",
    "The request timed out before reaching Clerk.",
  );
}

/** What a hang cut short by the client or a reset is recorded as; nobody is left to receive it. */
export function clientClosed(): Response {
  return clerkError(
    CLIENT_CLOSED_STATUS,
    "client_closed_request",
    "Client closed request",
    "The request was cut short.",
  );
}

/** 400 for a body that is not JSON. */
export function malformedBody(): Response {
  return clerkError(400, "malformed_request", "Request body invalid", "The request body is not valid JSON.");
}

/** 400 for a JSON body the operation's schema refuses, naming the first offending parameter. */
export function invalidBody(issues: readonly v.BaseIssue<unknown>[]): Response {
  const issue = issues[0];
  const param = issue?.path?.map((p) => String(p.key)).join(".") || "body";
  const [code, message, longMessage] =
    issue?.type === "strict_object" && issue.expected === "never"
      ? [
          "form_param_unknown",
          `${param} is not a valid parameter`,
          `${param} is not a valid parameter for this request.`,
        ]
      : issue?.type === "strict_object" && issue.received === "undefined"
        ? ["form_param_missing", `${param} is missing`, `${param} must be included.`]
        : [
            "form_param_format_invalid",
            `${param} is invalid`,
            `${param} does not match the expected format.`,
          ];
  return clerkError(400, code, message, longMessage, { param_name: param });
}

/** 400 for an M2M token id that is not `mt_` + 32 hex, as the spec's path pattern has it. */
export function invalidM2MTokenIdParam(): Response {
  return clerkError(
    400,
    "bad_request",
    "Bad Request",
    "Invalid 'url_parameter.m2m_token_id': Failed regex check",
    {
      param_name: "m2m_token_id",
    },
  );
}

/** 404 for an M2M token id the instance does not hold. */
export function m2mTokenNotFound(id: string): Response {
  return clerkError(404, "resource_not_found", "not found", `No M2M token was found with id ${id}.`);
}

/** 404 for a token M2M verify does not accept. */
export function m2mTokenSecretNotFound(): Response {
  return clerkError(404, "resource_not_found", "M2M token not found", "M2M token not found");
}

/** 404 for a machine id the instance does not hold. */
export function machineNotFound(id: string): Response {
  return clerkError(404, "resource_not_found", "not found", `No machine was found with id ${id}.`);
}

/** 404 for a user id the instance does not hold. */
export function userNotFound(id: string): Response {
  return clerkError(404, "resource_not_found", "not found", `No user was found with id ${id}.`);
}

/** 404 for an organization id the instance does not hold. */
export function organizationNotFound(id: string): Response {
  return clerkError(404, "resource_not_found", "not found", `No organization was found with id ${id}.`);
}

/** 404 for an OAuth application id the instance does not hold. */
export function oauthApplicationNotFound(id: string): Response {
  return clerkError(404, "resource_not_found", "not found", `No OAuth application was found with id ${id}.`);
}

/**
 * 404 for an OAuth access token verify does not accept, or that `revoke_token` does not find among the application's
 * (unknown, or another application's: the same answer, so a caller learns nothing of other applications).
 */
export function oauthTokenNotFound(): Response {
  return clerkError(
    404,
    "resource_not_found",
    "OAuth access token not found",
    "OAuth access token not found",
  );
}

/**
 * 400 for `revoke_token` of a JWT access token, which the spec says cannot be revoked (400 is among its documented
 * answers; the code is a guess).
 */
export function jwtNotRevocable(): Response {
  return clerkError(
    400,
    "oauth_jwt_access_token_not_revocable",
    "JWT access tokens cannot be revoked",
    "JWT access tokens cannot be revoked: they stay valid until they expire.",
    { param_name: "token" },
  );
}

/** 400 for `revoke_token` of a token whose grant is revoked already (`second_revoke: refused`), as `alreadyRevoked`. */
export function oauthTokenAlreadyRevoked(): Response {
  return clerkError(
    400,
    "oauth_access_token_already_revoked",
    "OAuth access token already revoked",
    "This OAuth access token has already been revoked.",
  );
}

/**
 * 400 (or `status`: 422 where the spec documents that instead) for a query parameter of a shape the spec does not
 * allow, named and not echoed.
 */
export function invalidQueryParam(param: string, status: 400 | 422 = 400): Response {
  return clerkError(
    status,
    "form_param_format_invalid",
    `${param} is invalid`,
    `${param} does not match the expected format.`,
    {
      param_name: param,
    },
  );
}
