/**
 * @module
 * Valibot mirrors of the Clerk Backend API wire shapes the stand-in serves: API keys, M2M tokens, OAuth applications
 * and their access tokens, the JWKS, users and organization memberships (dev/clerk-openapi/clerk-bapi-2026-05-12.yml, Clerk's whole published spec,
 * version 2026-05-12). The stand-in validates request bodies with them; tests validate its responses with them.
 * `additionalProperties: false` in the spec becomes `v.strictObject`, so a response with an extra or missing field
 * fails here the way it would drift from the real API. Response objects the spec leaves open (`OAuthApplication`,
 * `Organization`, `OrganizationMembership`) are strict here too: the stand-in sends exactly the spec's properties, and a test should notice when it stops.
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

/** Clerk's OAuthApplication object (`GET /oauth_applications`), every property the spec requires. */
export const OAuthApplicationSchema = v.strictObject({
  object: v.literal("oauth_application"),
  id: v.string(),
  instance_id: v.string(),
  name: v.string(),
  client_id: v.string(),
  client_uri: v.nullable(v.string()),
  client_image_url: v.nullable(v.string()),
  dynamically_registered: v.boolean(),
  consent_screen_enabled: v.boolean(),
  pkce_required: v.boolean(),
  public: v.boolean(),
  scopes: v.string(),
  redirect_uris: v.array(v.string()),
  callback_url: v.string(),
  authorize_url: v.string(),
  token_fetch_url: v.string(),
  user_info_url: v.string(),
  discovery_url: v.string(),
  token_introspection_url: v.string(),
  created_at: v.pipe(v.number(), v.integer()),
  updated_at: v.pipe(v.number(), v.integer()),
});
export type OAuthApplicationJson = v.InferOutput<typeof OAuthApplicationSchema>;

/** `GET /oauth_applications`'s page (`OAuthApplications`, `additionalProperties: false`). */
export const OAuthApplicationsSchema = v.strictObject({
  data: v.array(OAuthApplicationSchema),
  total_count: v.pipe(v.number(), v.integer()),
});

/** An OAuth access token id, as the spec's verify answer has it (`oat_` + 32 hex). */
export const OAUTH_TOKEN_ID_PATTERN = /^oat_[0-9A-Fa-f]{32}$/;

/** `POST /oauth_applications/access_tokens/verify`'s answer for a token it knows (the spec's first `anyOf`). */
export const OAuthAccessTokenSchema = v.strictObject({
  object: v.literal("clerk_idp_oauth_access_token"),
  id: v.pipe(v.string(), v.regex(OAUTH_TOKEN_ID_PATTERN)),
  client_id: v.string(),
  subject: v.pipe(v.string(), v.regex(/^user_\w{27}$/)),
  scopes: v.array(v.string()),
  revoked: v.boolean(),
  revocation_reason: v.nullable(v.string()),
  expired: v.boolean(),
  expiration: v.nullable(v.number()),
  created_at: v.number(),
  updated_at: v.number(),
});
export type OAuthAccessTokenJson = v.InferOutput<typeof OAuthAccessTokenSchema>;

/** Verify's other 200: a JWT access token that is no longer active (the spec's second `anyOf`). */
export const OAuthInactiveJwtSchema = v.strictObject({ active: v.literal(false) });

/**
 * `POST /oauth_applications/access_tokens/verify`'s body: `access_token`, or the deprecated `secret`. The spec leaves
 * the object open and marks neither required; a body with neither has nothing to verify.
 */
export const OAuthVerifyBodySchema = v.pipe(
  v.object({ access_token: v.optional(v.string()), secret: v.optional(v.string()) }),
  v.check((b) => b.access_token !== undefined || b.secret !== undefined, "access_token is missing"),
);

/** `POST /oauth_applications/{id}/revoke_token`'s body (`additionalProperties: false`). */
export const OAuthRevokeBodySchema = v.strictObject({ token: v.string() });

/** An RSA public key of a JWKS (`JWKS.rsa.PublicKey`: the required properties). */
export const RsaPublicJwkSchema = v.object({
  kid: v.string(),
  alg: v.string(),
  use: v.string(),
  kty: v.literal("RSA"),
  n: v.string(),
  e: v.string(),
});

/** `GET /jwks`'s answer (`JWKS`, `additionalProperties: false`), as the stand-in serves it: RSA keys only. */
export const JwksSchema = v.strictObject({ keys: v.array(RsaPublicJwkSchema) });

/** A user id, as Clerk's are and the stand-in makes them (`user_` + 27 word characters). */
export const USER_ID_PATTERN = /^user_\w{27}$/;
/** An organization id, as Clerk's are and the stand-in makes them (`org_` + 27 word characters). */
export const ORGANIZATION_ID_PATTERN = /^org_\w{27}$/;

/** `verification_admin`: an address added through the dashboard or the Backend API, verified by that. */
export const AdminVerificationSchema = v.strictObject({
  object: v.literal("verification_admin"),
  status: v.literal("verified"),
  strategy: v.literal("admin"),
  attempts: v.nullable(v.number()),
  expire_at: v.nullable(v.number()),
});

/** Clerk's EmailAddress object (`additionalProperties: false`), with the one verification the stand-in gives. */
export const EmailAddressSchema = v.strictObject({
  // Optional in the spec; the stand-in always sends it, and `primary_email_address_id` names it.
  id: v.optional(v.string()),
  object: v.literal("email_address"),
  email_address: v.string(),
  reserved: v.boolean(),
  verification: v.nullable(AdminVerificationSchema),
  // `@clerk/backend` maps it unguarded: an absent `linked_to` breaks every `getUser`.
  linked_to: v.array(v.strictObject({ type: v.pipe(v.string(), v.regex(/^oauth_[a-z]+$/)), id: v.string() })),
  matches_sso_connection: v.optional(v.boolean()),
  created_at: v.pipe(v.number(), v.integer()),
  updated_at: v.pipe(v.number(), v.integer()),
});
export type EmailAddressJson = v.InferOutput<typeof EmailAddressSchema>;

/**
 * Clerk's User object (`GET /users/{user_id}`, `additionalProperties: false`): every required property and the
 * optional ones the stand-in sends. Its users have no phone numbers, wallets, passkeys or external accounts, so those
 * lists are empty here.
 */
export const UserSchema = v.strictObject({
  id: v.pipe(v.string(), v.regex(USER_ID_PATTERN)),
  object: v.literal("user"),
  external_id: v.nullable(v.string()),
  primary_email_address_id: v.nullable(v.string()),
  primary_phone_number_id: v.nullable(v.string()),
  primary_web3_wallet_id: v.nullable(v.string()),
  username: v.nullable(v.string()),
  first_name: v.nullable(v.string()),
  last_name: v.nullable(v.string()),
  image_url: v.optional(v.string()),
  has_image: v.boolean(),
  public_metadata: v.record(v.string(), v.unknown()),
  private_metadata: v.optional(v.nullable(v.record(v.string(), v.unknown()))),
  unsafe_metadata: v.optional(v.record(v.string(), v.unknown())),
  email_addresses: v.array(EmailAddressSchema),
  phone_numbers: v.strictTuple([]),
  web3_wallets: v.strictTuple([]),
  passkeys: v.strictTuple([]),
  password_enabled: v.boolean(),
  two_factor_enabled: v.boolean(),
  totp_enabled: v.boolean(),
  backup_code_enabled: v.boolean(),
  mfa_enabled_at: v.nullable(v.number()),
  mfa_disabled_at: v.nullable(v.number()),
  external_accounts: v.strictTuple([]),
  saml_accounts: v.strictTuple([]),
  enterprise_accounts: v.strictTuple([]),
  last_sign_in_at: v.nullable(v.number()),
  banned: v.boolean(),
  locked: v.boolean(),
  lockout_expires_in_seconds: v.nullable(v.number()),
  verification_attempts_remaining: v.nullable(v.number()),
  created_at: v.pipe(v.number(), v.integer()),
  updated_at: v.pipe(v.number(), v.integer()),
  delete_self_enabled: v.boolean(),
  create_organization_enabled: v.boolean(),
  last_active_at: v.nullable(v.number()),
  legal_accepted_at: v.nullable(v.number()),
});
export type UserJson = v.InferOutput<typeof UserSchema>;

/** Clerk's Organization object, as a membership carries it: every required property and the optional ones sent. */
export const OrganizationSchema = v.strictObject({
  object: v.literal("organization"),
  id: v.pipe(v.string(), v.regex(ORGANIZATION_ID_PATTERN)),
  name: v.string(),
  slug: v.string(),
  image_url: v.optional(v.string()),
  has_image: v.boolean(),
  members_count: v.optional(v.pipe(v.number(), v.integer())),
  max_allowed_memberships: v.pipe(v.number(), v.integer()),
  admin_delete_enabled: v.boolean(),
  public_metadata: v.record(v.string(), v.unknown()),
  private_metadata: v.optional(v.record(v.string(), v.unknown())),
  created_at: v.pipe(v.number(), v.integer()),
  updated_at: v.pipe(v.number(), v.integer()),
});
export type OrganizationJson = v.InferOutput<typeof OrganizationSchema>;

/** `OrganizationMembershipPublicUserData` (`additionalProperties: false`): the required properties and those sent. */
export const OrganizationMembershipPublicUserDataSchema = v.strictObject({
  user_id: v.pipe(v.string(), v.regex(USER_ID_PATTERN)),
  first_name: v.nullable(v.string()),
  last_name: v.nullable(v.string()),
  profile_image_url: v.nullable(v.string()),
  image_url: v.string(),
  has_image: v.boolean(),
  /** The member's primary identifier: its primary email address here, `null` for a user without one. */
  identifier: v.optional(v.nullable(v.string())),
  username: v.optional(v.nullable(v.string())),
  banned: v.optional(v.boolean()),
});

/** Clerk's OrganizationMembership object: every required property and the optional ones the stand-in sends. */
export const OrganizationMembershipSchema = v.strictObject({
  object: v.literal("organization_membership"),
  id: v.string(),
  role: v.string(),
  role_name: v.optional(v.string()),
  permissions: v.array(v.string()),
  public_metadata: v.record(v.string(), v.unknown()),
  private_metadata: v.optional(v.record(v.string(), v.unknown())),
  organization: OrganizationSchema,
  // Optional in the spec, but `@clerk/backend` reads it unguarded: the stand-in always sends it.
  public_user_data: OrganizationMembershipPublicUserDataSchema,
  created_at: v.pipe(v.number(), v.integer()),
  updated_at: v.pipe(v.number(), v.integer()),
});
export type OrganizationMembershipJson = v.InferOutput<typeof OrganizationMembershipSchema>;

/** `GET /organizations/{organization_id}/memberships`'s page (`OrganizationMemberships`, `additionalProperties: false`). */
export const OrganizationMembershipsSchema = v.strictObject({
  data: v.array(OrganizationMembershipSchema),
  total_count: v.pipe(v.number(), v.integer()),
});
