/**
 * @module
 * Valibot mirrors of the Clerk Backend API wire shapes for `/api_keys*` (dev/clerk-openapi/clerk-bapi-2026-05-12.yml,
 * Clerk's whole published spec, version 2026-05-12). The stand-in validates request bodies with them; tests validate
 * its responses with them. `additionalProperties: false` in the spec becomes `v.strictObject`, so a response with an
 * extra or missing field fails here the way it would drift from the real API.
 */
import * as v from "valibot";

/** Key ids as Clerk returns them. */
export const API_KEY_ID_PATTERN = /^ak_[0-9A-Fa-f]{32}$/;
/** Key ids the path parameter accepts (`apiKeyID` in the spec). */
export const API_KEY_PATH_ID_PATTERN = /^(ak|api_key)_[0-9A-Fa-f]{32}$/;

const apiKeyEntries = {
  object: v.literal("api_key"),
  id: v.pipe(v.string(), v.regex(API_KEY_ID_PATTERN)),
  type: v.pipe(v.string(), v.minLength(3)),
  subject: v.pipe(v.string(), v.regex(/^(user|org|mch)_\w{27}$/)),
  name: v.string(),
  // The only optional property of the spec's APIKey; the stand-in always sends it.
  description: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(255)))),
  claims: v.nullable(v.unknown()),
  scopes: v.array(v.string()),
  revoked: v.boolean(),
  revocation_reason: v.nullable(v.string()),
  expired: v.boolean(),
  expiration: v.nullable(v.number()),
  created_by: v.nullable(v.pipe(v.string(), v.regex(/^user_\w{27}$/))),
  last_used_at: v.nullable(v.number()),
  created_at: v.number(),
  updated_at: v.number(),
};

/** The APIKey object returned by verify, revoke and get (no `secret`). */
export const ApiKeySchema = v.strictObject(apiKeyEntries);
export type ApiKeyJson = v.InferOutput<typeof ApiKeySchema>;

/** The APIKey object returned by create: the only response that carries the `secret`. */
export const CreatedApiKeySchema = v.strictObject({ ...apiKeyEntries, secret: v.string() });
export type CreatedApiKeyJson = v.InferOutput<typeof CreatedApiKeySchema>;

/** `ClerkErrors`: the error body of every non-2xx answer. */
export const ClerkErrorsSchema = v.object({
  errors: v.pipe(
    v.array(
      v.object({
        code: v.string(),
        message: v.string(),
        long_message: v.string(),
        meta: v.optional(v.record(v.string(), v.unknown())),
      }),
    ),
    v.minLength(1),
  ),
  meta: v.optional(v.record(v.string(), v.unknown())),
  clerk_trace_id: v.optional(v.string()),
});
export type ClerkErrorsJson = v.InferOutput<typeof ClerkErrorsSchema>;

/** Body of `POST /api_keys/verify`. */
export const VerifyBodySchema = v.strictObject({ secret: v.string() });

/** Body of `POST /api_keys/{apiKeyID}/revoke`. */
export const RevokeBodySchema = v.strictObject({ revocation_reason: v.optional(v.nullable(v.string())) });

/** Body of `POST /api_keys`. */
export const CreateBodySchema = v.strictObject({
  type: v.optional(v.pipe(v.string(), v.minLength(3), v.maxLength(25)), "api_key"),
  name: v.pipe(v.string(), v.minLength(3), v.regex(/^(\S(.*\S)?)?$/)),
  description: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(255)))),
  subject: v.pipe(v.string(), v.regex(/^(user|org|mch|scim)_\w{27}$/)),
  claims: v.optional(v.nullable(v.unknown())),
  scopes: v.optional(v.array(v.string()), []),
  created_by: v.optional(v.nullable(v.pipe(v.string(), v.regex(/^user_\w{27}$/)))),
  seconds_until_expiration: v.optional(v.nullable(v.pipe(v.number(), v.gtValue(0)))),
});
export type CreateBody = v.InferOutput<typeof CreateBodySchema>;

/** An M2M token id, as the spec's path parameter and answers have it (`mt_` + 32 hex). */
export const M2M_TOKEN_ID_PATTERN = /^mt_[0-9A-Fa-f]{32}$/;

/** Clerk's M2M token object (`POST /m2m_tokens/verify` and `/m2m_tokens/{id}/revoke`): every required field. */
export const M2MTokenSchema = v.strictObject({
  object: v.literal("machine_to_machine_token"),
  id: v.pipe(v.string(), v.regex(M2M_TOKEN_ID_PATTERN)),
  subject: v.pipe(v.string(), v.regex(/^mch_\w{27}$/)),
  claims: v.unknown(),
  scopes: v.array(v.string()),
  revoked: v.boolean(),
  revocation_reason: v.nullable(v.string()),
  expired: v.boolean(),
  expiration: v.nullable(v.number()),
  last_used_at: v.nullable(v.number()),
  created_at: v.number(),
  updated_at: v.number(),
});
export type M2MTokenJson = v.InferOutput<typeof M2MTokenSchema>;

/** `POST /m2m_tokens/verify`'s body. */
export const M2MVerifyBodySchema = v.strictObject({ token: v.string() });
